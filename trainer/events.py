"""Domain events: one feature says what happened, others react, without importing each other.

A service sends the event inside its own transaction, before it commits, so
whatever a receiver writes (an escalation, an outbox message) commits or rolls
back with the change itself. Receivers connect in their feature's `hooks.py`,
imported by the app factory; the sender is the app.

    from trainer import events
    events.report_submitted.send(current_app._get_current_object(), report=report, author=author, now=now)
"""
from __future__ import annotations

from flask import current_app
from flask.signals import Namespace

_events = Namespace()

# report: InspectionReport (just submitted), author: User, now: datetime
report_submitted = _events.signal("report-submitted")
# report: InspectionReport, review: Review (decision accepted or returned), reviewer: User
report_reviewed = _events.signal("report-reviewed")
# entry: LedgerEntry (just appended), person: User (the entry is about them), actor: User
ledger_entry_logged = _events.signal("ledger-entry-logged")
# user: User, code: qualification code, kind: EventKind (suspended | revoked), reason: str,
# modules: list[Module] the person must read again
qualification_ended = _events.signal("qualification-ended")
# user_id: int, modules: list[Module], reason: str — a re-read assigned on its own (not with a suspension)
rereading_assigned = _events.signal("rereading-assigned")
# batch: TrainingBatch, user_ids: list[int] newly added members
batch_members_added = _events.signal("batch-members-added")


def send(event, **data) -> None:
    """Send `event` with the current app as sender."""
    event.send(current_app._get_current_object(), **data)
