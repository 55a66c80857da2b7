"""How training reacts to other features' events (trainer.events), in their transaction: what is to be
read again, and the mail that says so (through the outbox, trainer.notifications)."""
from __future__ import annotations

from trainer import events
from trainer.certification.models import EventKind, LiftStatus
from trainer.certification.services import localised_title
from trainer.content.services import (
    assign_rereading, localised_module_titles, qualification_modules, withdraw_rereading,
)
from trainer.notifications.outbox import enqueue


def _cause(certification_event_id: int) -> str:
    return f"certification_event:{certification_event_id}"


@events.qualification_ended.connect
def _reread_after_qualification_ended(_app, user, code, reason, event, **_extra) -> None:
    """A suspended or revoked person reads the qualification's modules again before a re-exam."""
    assign_rereading(user.id, code, reason, cause=_cause(event.id))


@events.qualification_ended.connect
def _tell_what_to_read_again(_app, user, code, kind, reason, **_extra) -> None:
    modules = qualification_modules(code)
    if kind is EventKind.SUSPENDED:
        enqueue("suspension", user, {"qualification": localised_title(code), "reason": reason,
                                     "modules": localised_module_titles(modules)}, link="/modules/")
    elif modules:
        enqueue("reread_assignment", user, {"modules": localised_module_titles(modules), "reason": reason},
                link="/modules/")


@events.suspension_lift_decided.connect
def _withdraw_rereading_after_lift(_app, lift, **_extra) -> None:
    """An investigation cleared the person: the re-reading their suspension assigned is no longer owed."""
    if lift.status is LiftStatus.APPROVED:
        withdraw_rereading(lift.user_id, _cause(lift.suspension_event_id), lift.reason, now=lift.decided_at)
