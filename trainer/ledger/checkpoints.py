"""Signed checkpoints of the ledger: tree heads kept in the database and,
exported as small JSON files, anywhere the bank's auditors choose.

A checkpoint says "the ledger had `size` entries, with this Merkle root and
this last hash, at this time", signed with the ledger key. It is only ever
written after the ledger verified, so it never vouches for a tampered state.
Against a checkpoint, verification tells a truncated ledger, a rewritten
history, a deleted ledger and a restored older backup apart (see verify.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from trainer.extensions import db
from trainer import signing
from trainer.ledger.chain import GENESIS
from trainer.ledger.models import LedgerCheckpoint
from trainer.timeutil import utcnow

LOG_NAME = "trainer-ledger"


@dataclass(frozen=True)
class TreeHead:
    """A checkpoint as signed, whether read from the database or from a file."""

    size: int
    root: str
    head_hash: str
    created_at: str  # ISO 8601 with offset, as signed
    key_id: str
    signature: str
    frontier: tuple[str, ...] = ()
    source: str = ""  # where it came from, for messages: "checkpoint #3" or a file name
    audit_size: int = 0  # the audit trail's length and last hash, signed with the ledger's
    audit_head: str = GENESIS

    def message(self) -> bytes:
        return signed_message(self.size, self.root, self.head_hash, self.created_at, self.audit_size, self.audit_head)

    def signed_by(self, public) -> bool:
        return self.key_id == signing.key_id(public) and signing.verify(
            public, signing.CHECKPOINT_CONTEXT, self.message(), self.signature)

    def describe(self) -> str:
        return f"{self.source} ({self.size} entries, {self.created_at})"

    def to_json(self, public_pem: str) -> str:
        return json.dumps({"log": LOG_NAME, "size": self.size, "root": self.root, "head_hash": self.head_hash,
                           "created_at": self.created_at, "audit_size": self.audit_size,
                           "audit_head": self.audit_head, "key_id": self.key_id, "signature": self.signature,
                           "public_key": public_pem}, indent=2) + "\n"


def signed_message(size: int, root: str, head_hash: str, created_at: str, audit_size: int = 0,
                   audit_head: str = GENESIS) -> bytes:
    return json.dumps({"log": LOG_NAME, "size": size, "root": root, "head_hash": head_hash, "created_at": created_at,
                       "audit_size": audit_size, "audit_head": audit_head},
                      sort_keys=True, separators=(",", ":")).encode()


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def from_row(row: LedgerCheckpoint) -> TreeHead:
    return TreeHead(row.size, row.root, row.head_hash, _iso(row.created_at), row.key_id, row.signature,
                    tuple(json.loads(row.frontier)), f"checkpoint #{row.id}", row.audit_size, row.audit_head)


def stored() -> list[TreeHead]:
    rows = db.session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size, LedgerCheckpoint.id))
    return [from_row(row) for row in rows]


def latest() -> TreeHead | None:
    """The checkpoint that covers the most entries (the last written, with hourly checkpoints)."""
    row = db.session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc(),
                                                               LedgerCheckpoint.id.desc()).limit(1)).first()
    return from_row(row) if row is not None else None


def read_file(path: Path) -> TreeHead:
    """A checkpoint file; ValueError names what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("log") != LOG_NAME:
            raise ValueError("not a trainer ledger checkpoint")
        return TreeHead(int(data["size"]), str(data["root"]), str(data["head_hash"]), str(data["created_at"]),
                        str(data["key_id"]), str(data["signature"]), source=path.name,
                        audit_size=int(data.get("audit_size", 0)), audit_head=str(data.get("audit_head", GENESIS)))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a readable checkpoint file ({error})") from None


def write(size: int, root: str, head_hash: str, frontier: list[str], audit_size: int = 0,
          audit_head: str = GENESIS) -> LedgerCheckpoint:
    """Sign and store a tree head (in the session's transaction; the caller commits)."""
    signer = signing.signer()
    created = utcnow()
    signature = signer.sign(signing.CHECKPOINT_CONTEXT,
                            signed_message(size, root, head_hash, _iso(created), audit_size, audit_head))
    row = LedgerCheckpoint(size=size, root=root, head_hash=head_hash, frontier=json.dumps(frontier),
                           created_at=created, key_id=signer.key_id, signature=signature,
                           audit_size=audit_size, audit_head=audit_head)
    db.session.add(row)
    db.session.flush()
    return row

