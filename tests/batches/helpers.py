from __future__ import annotations

from datetime import date, datetime, timezone

from trainer.batches import services
from trainer.extensions import db

START, DUE = date(2025, 5, 5), date(2025, 5, 20)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def batch_of(actor, people, qualification: str = "inspector", starts_on: date = START, due_on: date = DUE):
    batch = services.create_batch(actor, "Spring inspectors", qualification, starts_on, due_on, today=starts_on)
    services.add_members(batch, actor, [p.id for p in people])
    db.session.commit()
    return batch
