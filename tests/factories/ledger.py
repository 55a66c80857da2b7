"""Ledger rows inserted directly (outside the hash chain's services), with the dates a test needs."""
from __future__ import annotations

import itertools
from datetime import datetime

from trainer.people.models import User
from trainer.extensions import db
from trainer.ledger.models import LedgerEntry

_numbers = itertools.count(1)


def entry(person: User, points: int, at: datetime, kind: str | None = None, severity: str = "minor",
          reverses: LedgerEntry | None = None) -> LedgerEntry:
    n = next(_numbers)
    kind = kind or ("reward" if points > 0 else "sanction")
    row = LedgerEntry(seq=n, person_id=person.id, department_id=person.department_id, category="test",
                      kind=kind, severity=severity, points=points, reason="A test entry.", created_at=at,
                      reverses_id=reverses.id if reverses else None, prev_hash=f"prev-{n}", hash=f"hash-{n}")
    db.session.add(row)
    db.session.commit()
    return row


def reverse(original: LedgerEntry, at: datetime) -> LedgerEntry:
    person = db.session.get(User, original.person_id)
    return entry(person, -original.points, at, kind="reversal", severity=original.severity, reverses=original)
