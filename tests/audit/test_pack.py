"""The audit pack of the demo data verifies offline with only the pack and the
public key; altering one byte names the item; another key is refused."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from trainer.audit.build import parse_quarter
from trainer.audit.format import digest
from trainer.audit.verify import verify_pack
from trainer.extensions import db
from trainer.inspections.models import InspectionReport
from trainer import signing
from trainer.ledger.models import LedgerEntry


@pytest.fixture
def pack(demo_app, tmp_path) -> tuple[Path, Path, str]:
    """The demo's pack for the quarter of its latest report, and the bank's public key."""
    app, runner = demo_app, demo_app.test_cli_runner()
    with app.app_context():
        latest = db.session.scalar(select(func.max(InspectionReport.submitted_at)))
        entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        public = signing.public_pem(signing.signer().public)
    quarter = f"{latest.year}Q{(latest.month - 1) // 3 + 1}"
    target = tmp_path / "pack.zip"
    made = runner.invoke(args=["trainer", "audit-pack", quarter, str(target)])
    assert made.exit_code == 0, made.output
    assert entries > 0
    key = tmp_path / "ledger.pem"
    key.write_text(public)
    return target, key, quarter


def rewrite(source: Path, target: Path, change) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))


def test_the_demo_pack_verifies_offline(pack, tmp_path):
    target, key, quarter = pack
    report = verify_pack(target, key.read_text())
    assert report.ok, report.problems
    assert report.period == quarter and report.counts["reports"] >= 1 and report.counts["reviews"] >= 1
    assert report.counts["ledger"] >= 1, report.counts  # with inclusion proofs, checked above
    with zipfile.ZipFile(target) as opened:
        names = opened.namelist()
        body = opened.read(next(n for n in names if n.startswith("reports/"))).decode()
    assert '"author_evidence"' in body and '"certificate"' in body and '"module_completions"' in body
    # The standalone verifier: no database settings, run from elsewhere.
    done = subprocess.run([sys.executable, "-m", "trainer.audit", "verify", str(target), "--public-key", str(key)],
                          capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin",
                                                                               "PYTHONPATH": str(Path.cwd())})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pack verified." in done.stdout


def test_one_altered_byte_is_named(pack, tmp_path):
    target, key, _ = pack
    with zipfile.ZipFile(target) as opened:
        victim = next(n for n in opened.namelist() if n.startswith("reports/"))
    altered = tmp_path / "altered.zip"

    def flip(name: str, data: bytes) -> bytes:
        if name != victim:
            return data
        position = data.index(b'"conclusion"') + 16
        return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]

    rewrite(target, altered, flip)
    report = verify_pack(altered, key.read_text())
    assert report.problems == [f"{victim}: altered (its hash differs from the signed manifest)"]
    done = subprocess.run([sys.executable, "-m", "trainer.audit", "verify", str(altered), "--public-key", str(key)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and victim in done.stdout


def test_an_item_changed_with_its_manifest_hash_breaks_the_manifest_signature(pack, tmp_path):
    """Whoever edits an item and fixes its hash in the manifest is caught by the manifest's signature."""
    target, key, _ = pack
    with zipfile.ZipFile(target) as opened:
        victim = next(n for n in opened.namelist() if n.startswith("ledger/") or n.startswith("reports/"))
        original = opened.read(victim)
    changed = original.replace(b'"reason":"', b'"reason":"Edited ', 1).replace(b'"conclusion":"', b'"conclusion":"Edited ', 1)
    assert changed != original
    old_digest, new_digest = digest(original).encode(), digest(changed).encode()
    altered = tmp_path / "altered.zip"
    rewrite(target, altered, lambda name, data: changed if name == victim
            else data.replace(old_digest, new_digest) if name == "manifest.json" else data)
    assert verify_pack(altered, key.read_text()).problems[0].startswith("manifest.json: its signature does not verify")


def test_another_key_is_refused(pack):
    target, _, _ = pack
    other = signing.load_public_pem(signing.public_pem(
        signing.Signer(__import__("cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"])
                       .Ed25519PrivateKey.generate()).public))
    report = verify_pack(target, signing.public_pem(other))
    assert not report.ok and "signature does not verify" in report.problems[0]


def test_a_quarter_is_named_as_yyyyqn():
    assert parse_quarter("2026Q4") == (parse_quarter("2026Q4")[0], parse_quarter("2026Q4")[1])
    first, last = parse_quarter("2026Q1")
    assert (first.isoformat(), last.isoformat()) == ("2026-01-01", "2026-03-31")
    for bad in ("2026Q5", "2026-3", "Q3"):
        with pytest.raises(ValueError, match="YYYYQn"):
            parse_quarter(bad)
