"""Verifying a pack offline: only the pack and the bank's public key."""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from trainer.audit.format import (
    FORMAT, MANIFEST, PACK_CONTEXT, PUBLIC_KEY, SECTIONS, SIGNATURE, digest, item_path,
)
from trainer import signing
from trainer.ledger.chain import entry_hash
from trainer.ledger.checkpoints import signed_message
from trainer.ledger.merkle import leaf_hash, verify_inclusion


@dataclass
class PackReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    period: str = ""
    checkpoint: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_pack(path: Path, public_pem: str | None = None) -> PackReport:
    """Every problem found, each naming its item. Without `public_pem` the pack's
    own key is used: that proves the pack is intact, not who made it."""
    report = PackReport()
    try:
        pack = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"{path}: not a readable pack ({error})")
        return report
    with pack:
        names = set(pack.namelist())
        for required in (MANIFEST, SIGNATURE, PUBLIC_KEY):
            if required not in names:
                report.problems.append(f"{required}: missing")
        if report.problems:
            return report
        manifest_bytes = pack.read(MANIFEST)
        try:
            public = signing.load_public_pem(public_pem or pack.read(PUBLIC_KEY))
        except ValueError as error:
            report.problems.append(f"public key: {error}")
            return report
        if not signing.verify(public, PACK_CONTEXT, manifest_bytes, pack.read(SIGNATURE).decode("ascii", "replace")):
            report.problems.append(f"{MANIFEST}: its signature does not verify with this key (altered, or another key)")
            return report
        manifest = json.loads(manifest_bytes)
        if manifest.get("format") != FORMAT:
            report.problems.append(f"{MANIFEST}: unknown format {manifest.get('format')!r}")
            return report
        report.period = manifest["period"]["quarter"]
        cp = manifest["checkpoint"]
        report.checkpoint = f"{cp['size']} entries, root {cp['root']}, {cp['created_at']}"
        message = signed_message(cp["size"], cp["root"], cp["head_hash"], cp["created_at"],
                                 cp.get("audit_size", 0), cp.get("audit_head", "0" * 64))
        if cp["key_id"] != signing.key_id(public) or not signing.verify(
                public, signing.CHECKPOINT_CONTEXT, message, cp["signature"]):
            report.problems.append("checkpoint: its signature does not verify")
        listed = {MANIFEST, SIGNATURE, PUBLIC_KEY}
        for section in SECTIONS:
            entries = manifest["items"].get(section, {})
            report.counts[section] = len(entries)
            for key, expected in entries.items():
                name = item_path(section, key)
                listed.add(name)
                if name not in names:
                    report.problems.append(f"{name}: missing")
                    continue
                data = pack.read(name)
                if digest(data) != expected:
                    report.problems.append(f"{name}: altered (its hash differs from the signed manifest)")
                    continue
                if section == "ledger":
                    _check_ledger_item(name, json.loads(data), cp, public, report)
        for extra in sorted(names - listed):
            report.problems.append(f"{extra}: not listed in the manifest")
    return report


def _check_ledger_item(name: str, entry: dict, cp: dict, public, report: PackReport) -> None:
    try:
        fields = {**entry, "created_at": datetime.fromisoformat(entry["created_at"])}
    except (KeyError, TypeError, ValueError):
        report.problems.append(f"{name}: not a ledger entry")
        return
    if entry_hash(fields) != entry["hash"]:
        report.problems.append(f"{name}: its content does not match its hash")
    elif not signing.verify(public, signing.ENTRY_CONTEXT, signing.entry_message(entry["seq"], entry["hash"]),
                            entry.get("signature")):
        report.problems.append(f"{name}: not signed with the ledger key")
    elif not verify_inclusion(entry["seq"] - 1, cp["size"], leaf_hash(bytes.fromhex(entry["hash"])),
                              [bytes.fromhex(p) for p in entry["inclusion_proof"]], bytes.fromhex(cp["root"])):
        report.problems.append(f"{name}: its inclusion proof does not lead to the checkpoint's root")
