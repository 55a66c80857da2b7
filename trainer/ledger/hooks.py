"""The person an entry is about is told of it, through the outbox (trainer.notifications), in the
entry's transaction."""
from __future__ import annotations

from trainer import events
from trainer.ledger.services import catalogue
from trainer.notifications.outbox import enqueue


@events.ledger_entry_logged.connect
def _ledger_entry(_app, entry, person, actor, **_extra) -> None:
    category = catalogue().categories.get(entry.category)
    enqueue("ledger_entry", person, {
        "category": (lambda language: category.title(language)) if category else entry.category,
        "points": entry.points, "reason": entry.reason, "actor": actor.full_name,
    }, link="/ledger/")
