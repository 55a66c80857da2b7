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
# event: CertificationEvent (flushed) — content assigns the qualification's modules to read again
qualification_ended = _events.signal("qualification-ended")
# lift: SuspensionLift (pending), person: User, requester: User — another HR person or admin must decide
suspension_lift_requested = _events.signal("suspension-lift-requested")
# lift: SuspensionLift (approved or rejected), person: User, decider: User — on approval content
# withdraws the re-reading the suspension assigned
suspension_lift_decided = _events.signal("suspension-lift-decided")
# batch: TrainingBatch, user_ids: list[int] newly added members
batch_members_added = _events.signal("batch-members-added")


def send(signal, /, **data) -> None:
    """Send `signal` with the current app as sender."""
    signal.send(current_app._get_current_object(), **data)
