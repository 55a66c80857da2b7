"""How training reacts to other features' events (trainer.events), in their transaction."""
from __future__ import annotations

from trainer import events
from trainer.certification.models import LiftStatus
from trainer.content.services import assign_rereading, withdraw_rereading


def _cause(certification_event_id: int) -> str:
    return f"certification_event:{certification_event_id}"


@events.qualification_ended.connect
def _reread_after_qualification_ended(_app, user, code, reason, event, **_extra) -> None:
    """A suspended or revoked person reads the qualification's modules again before a re-exam."""
    assign_rereading(user.id, code, reason, cause=_cause(event.id))


@events.suspension_lift_decided.connect
def _withdraw_rereading_after_lift(_app, lift, **_extra) -> None:
    """An investigation cleared the person: the re-reading their suspension assigned is no longer owed."""
    if lift.status is LiftStatus.APPROVED:
        withdraw_rereading(lift.user_id, _cause(lift.suspension_event_id), lift.reason, now=lift.decided_at)
