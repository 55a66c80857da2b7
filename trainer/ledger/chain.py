"""The ledger's hash chain: appending without forks, and the per-entry checks.

Each entry's hash covers every field that gives it meaning (a reversal names
the entry it reverses by that entry's hash) and the previous entry's hash,
so altering or removing any row breaks the chain from that row on. Each
entry is also signed with the ledger key (signing.py). The head row
(`ledger_head`, id 1) names the last entry: appends move it with a
compare-and-swap, so two writers can never both build on the same entry.
verify.py walks the chain against the signed checkpoints.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from trainer.extensions import db
from trainer import signing
from trainer.ledger.models import LedgerEntry, LedgerHead
from trainer.timeutil import as_utc

GENESIS = "0" * 64
HEAD_ID = 1
MAX_TRIES = 50
HASHED = ("seq", "person_id", "department_id", "category", "kind", "severity", "points", "reason",
          "logged_by_id", "inspection_id", "reverses_hash", "created_at", "prev_hash")


class ChainBusy(RuntimeError):
    """Other writers kept winning the head for every try."""


def timestamp(value: datetime) -> str:
    """created_at as hashed: UTC with microseconds, whatever the database hands back."""
    return as_utc(value).astimezone(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(fields: dict[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of the hashed fields."""
    payload = {name: fields[name] for name in HASHED}
    payload["created_at"] = timestamp(payload["created_at"])
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ensure_head() -> None:
    if db.session.scalar(select(LedgerHead.id).where(LedgerHead.id == HEAD_ID)) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(LedgerHead(id=HEAD_ID, seq=0, hash=GENESIS))
    except IntegrityError:
        pass  # another writer created it first; its row serves us too


def append(fields: dict[str, Any], when_locked: Callable[[], None] | None = None) -> LedgerEntry:
    """Add an entry at the end of the chain, in the session's transaction; the caller commits.

    `when_locked` runs once this writer owns the head (nobody else can append
    until it commits), for checks that must not race, e.g. "not reversed yet".
    If it raises, or the entry is refused (a unique key), the head is put back
    and the error raised: the caller's transaction goes on without the entry.
    """
    _ensure_head()
    fields = {**fields, "reverses_hash": _hash_of(fields.get("reverses_id"))}
    signer = signing.signer()
    for _ in range(MAX_TRIES):
        seq, prev = db.session.execute(
            select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == HEAD_ID)).one()
        row = {**fields, "seq": seq + 1, "prev_hash": prev}
        digest = entry_hash(row)
        # The compare-and-swap. A loser wrote nothing, so it just reads the head again:
        # on PostgreSQL its UPDATE waited for the winner's commit; on SQLite it now holds the write lock.
        moved = db.session.execute(_move_head(seq, seq + 1, digest)).rowcount
        if moved == 1:
            try:
                return _add_entry(row, digest, signer, when_locked)
            except Exception:
                # The head is still this writer's, so nobody built on it: it goes back to where it was.
                db.session.execute(_move_head(seq + 1, seq, prev))
                raise
        time.sleep(random.uniform(0, 0.002))
    raise ChainBusy("the ledger head kept moving")


def _move_head(seq: int, to_seq: int, to_hash: str):
    return (update(LedgerHead).where(LedgerHead.id == HEAD_ID, LedgerHead.seq == seq)
            .values(seq=to_seq, hash=to_hash).execution_options(synchronize_session=False))


def _add_entry(row: dict[str, Any], digest: str, signer, when_locked: Callable[[], None] | None) -> LedgerEntry:
    if when_locked is not None:
        when_locked()
    entry = LedgerEntry(**row, hash=digest,
                        signature=signer.sign(signing.ENTRY_CONTEXT, signing.entry_message(row["seq"], digest)))
    # A savepoint inside the transaction the head's move began (on SQLite too): an entry the database
    # refuses, e.g. a copy of a request sent twice at once with its idempotency key, fails alone.
    with db.session.begin_nested():
        db.session.add(entry)
    return entry


def _hash_of(entry_id: int | None) -> str | None:
    if entry_id is None:
        return None
    return db.session.scalar(select(LedgerEntry.hash).where(LedgerEntry.id == entry_id))


def check_row(row, expected: int, prev: str) -> tuple[int, str] | None:
    seq = row["seq"]
    if seq > expected:
        missing = f"entry {expected} is" if seq == expected + 1 else f"entries {expected} to {seq - 1} are"
        return expected, f"{missing} missing (deleted): the chain jumps from {expected - 1} to {seq}"
    if seq < expected:
        return seq, f"entry has an impossible sequence number {seq} (expected {expected})"
    if entry_hash(row) != row["hash"]:
        return seq, f"entry {seq} was altered: its content does not match its hash"
    if row["prev_hash"] != prev:
        if seq == 1:
            return seq, "entry 1 was altered and its hash recomputed: it does not start the chain"
        # Its own hash holds, so the likely edit is the entry before: changed and rehashed.
        return seq - 1, (f"entry {seq - 1} was altered and its hash recomputed (or replaced): "
                         f"entry {seq} records a different hash for it")
    return None


def check_head(checked: int, last_hash: str) -> tuple[int, int | None, str] | None:
    """(entries intact, first bad seq, problem) when the head row disagrees with the chain walked."""
    head = db.session.execute(select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == HEAD_ID)).first()
    if head is None:
        return None if checked == 0 else (checked, None, "the chain head (ledger_head) is missing")
    if head.seq > checked:
        missing = f"entry {checked + 1} is" if head.seq == checked + 1 else f"entries {checked + 1} to {head.seq} are"
        return checked, checked + 1, f"{missing} missing (deleted): the chain ends at {checked} but the head says {head.seq}"
    if head.seq < checked:
        return head.seq, head.seq + 1, f"entry {head.seq + 1} was written outside the ledger: the head says {head.seq}"
    if head.hash != last_hash:
        return (checked - 1 if checked else 0, checked or None,
                f"the head does not match entry {checked}: that entry was replaced or rehashed")
    return None
