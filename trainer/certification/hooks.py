"""Who is told about a suspension lift, through the outbox (trainer.notifications), in each person's
language and in the decision's transaction."""
from __future__ import annotations

from trainer import events
from trainer.people.models import Role, User
from trainer.auth.services import people_with_roles
from trainer.certification.models import LiftStatus
from trainer.certification.services import localised_title
from trainer.extensions import db
from trainer.notifications.outbox import enqueue


@events.suspension_lift_requested.connect
def _lift_requested(_app, lift, person, requester, **_extra) -> None:
    """Everyone who may approve (HR and administrators, never the requester or the person) is asked to."""
    context = {"person": person.full_name, "employee_no": person.employee_no, "requester": requester.full_name,
               "qualification": localised_title(lift.qualification), "reason": lift.reason}
    for approver in people_with_roles(Role.HR, Role.ADMIN, excluding={requester.id, person.id}):
        enqueue("suspension_lift_requested", approver, context, link=f"/people/{person.id}#lifts")


@events.suspension_lift_decided.connect
def _lift_decided(_app, lift, person, decider, **_extra) -> None:
    """The requester learns the decision; on approval the person learns they may work again."""
    approved = lift.status is LiftStatus.APPROVED
    context = {"person": person.full_name, "decider": decider.full_name, "approved": approved,
               "qualification": localised_title(lift.qualification), "note": lift.decision_note}
    enqueue("suspension_lift_decided", db.session.get(User, lift.requested_by_id), context,
            link=f"/people/{person.id}#lifts")
    if approved:
        enqueue("suspension_lifted", person, {"qualification": localised_title(lift.qualification),
                                              "reason": lift.reason}, link="/certificates/")
