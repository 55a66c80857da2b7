from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trainer.append_only import protect
from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class LedgerEntry(db.Model):
    """A reward or sanction. Never updated or deleted: a correction is a new
    entry that reverses this one. Each entry carries the previous entry's hash,
    so altering or removing any row breaks the chain from there on."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # 1, 2, 3 … with no gaps
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # the person's, when logged
    category: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))  # reward | sanction | reversal
    severity: Mapped[str] = mapped_column(String(16))  # from the catalogue: minor | major | severe
    points: Mapped[int] = mapped_column(Integer)  # signed: rewards positive, sanctions negative
    reason: Mapped[str] = mapped_column(Text)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_reports.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    # The reversed entry by its hash, which is hashed: swapping unhashed ids cannot retarget a reversal.
    reverses_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Ed25519 over (seq, hash) with the key held outside the database: a row
    # written by anyone without the key does not verify.
    signature: Mapped[str | None] = mapped_column(String(128))
    # Sent with the form that asked for this entry: the same request retried
    # (a lost response, a double click) finds this entry instead of adding one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class LedgerHead(db.Model):
    """One row: the chain's last sequence number and hash. Writers lock it, so
    two appends can never both build on the same previous entry."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerCheckpoint(db.Model):
    """A signed tree head: the ledger had `size` entries with this Merkle root
    and last hash at `created_at`. `frontier` (the subtree roots, JSON) lets
    verification resume from here at a cost in the new entries only.
    Exported copies kept outside the database prove what the ledger held."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(Integer, index=True)
    root: Mapped[str] = mapped_column(String(64))
    head_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
    # The audit trail's length and last hash when signed: the same checkpoint covers it.
    audit_size: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_head: Mapped[str] = mapped_column(String(64), default="0" * 64, server_default="0" * 64)


for _table in (LedgerEntry.__table__, LedgerCheckpoint.__table__):
    protect(_table)  # a correction is a reversal, never an edit
