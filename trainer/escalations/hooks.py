"""Escalations react to submitted reports (trainer.events), in the submission's transaction."""
from __future__ import annotations

from trainer import events


@events.report_submitted.connect
def _escalate_on_submission(_app, report, author, now, **_extra) -> None:
    from trainer.escalations.services import escalate

    escalate(report, author, now)
