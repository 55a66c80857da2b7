"""Notifications people need, sent through the outbox when another feature reports a change
(trainer.events), in that change's transaction and in each person's language."""
from __future__ import annotations

from trainer import events
from trainer.notifications.outbox import enqueue


def _module_titles(modules):
    """A callable giving the modules' titles in a language (the outbox calls it with the recipient's)."""
    ids = [m.id for m in modules]

    def titles_in(language: str) -> list[str]:
        from trainer.content.services import titles

        texts = titles(language)
        return [texts[i].title if i in texts else str(i) for i in ids]

    return titles_in


def _qualification_title(code: str):
    def title_in(language: str) -> str:
        from trainer.certification.services import definition

        return definition(code).title(language)

    return title_in


@events.report_reviewed.connect
def _report_reviewed(_app, report, review, reviewer, **_extra) -> None:
    from trainer.auth.models import User
    from trainer.extensions import db
    from trainer.inspections.models import Loan, ReviewDecision

    author = db.session.get(User, report.author_id)
    loan = db.session.get(Loan, report.loan_id)
    context = {"loan_no": loan.loan_no, "borrower": loan.borrower, "reviewer": reviewer.full_name,
               "inspection_date": report.inspection_date.isoformat(), "quality_score": review.quality_score,
               "reasons": review.return_reasons}
    returned = review.decision is ReviewDecision.RETURNED
    enqueue("report_returned" if returned else "report_reviewed", author, context,
            link=f"/inspections/reports/{report.id}" + ("/edit" if returned else ""))


@events.ledger_entry_logged.connect
def _ledger_entry(_app, entry, person, actor, **_extra) -> None:
    from trainer.ledger.services import catalogue

    category = catalogue().categories.get(entry.category)
    enqueue("ledger_entry", person, {
        "category": (lambda language: category.title(language)) if category else entry.category,
        "points": entry.points, "reason": entry.reason, "actor": actor.full_name,
    }, link="/ledger/")


@events.qualification_ended.connect
def _qualification_ended(_app, user, code, kind, reason, **_extra) -> None:
    from trainer.certification.models import EventKind
    from trainer.content.services import qualification_modules

    modules = qualification_modules(code)
    if kind is EventKind.SUSPENDED:
        enqueue("suspension", user, {"qualification": _qualification_title(code), "reason": reason,
                                     "modules": _module_titles(modules)}, link="/modules/")
    elif modules:
        enqueue("reread_assignment", user, {"modules": _module_titles(modules), "reason": reason}, link="/modules/")


@events.suspension_lift_requested.connect
def _lift_requested(_app, lift, person, requester, **_extra) -> None:
    """Everyone who may approve (HR and administrators, never the requester or the person) is asked to."""
    from trainer.auth.models import Role
    from trainer.auth.services import people_with_roles

    context = {"person": person.full_name, "employee_no": person.employee_no, "requester": requester.full_name,
               "qualification": _qualification_title(lift.qualification), "reason": lift.reason}
    for approver in people_with_roles(Role.HR, Role.ADMIN, excluding={requester.id, person.id}):
        enqueue("suspension_lift_requested", approver, context, link=f"/people/{person.id}#lifts")


@events.suspension_lift_decided.connect
def _lift_decided(_app, lift, person, decider, **_extra) -> None:
    """The requester learns the decision; on approval the person learns they may work again."""
    from trainer.auth.models import User
    from trainer.certification.models import LiftStatus
    from trainer.extensions import db

    approved = lift.status is LiftStatus.APPROVED
    context = {"person": person.full_name, "decider": decider.full_name, "approved": approved,
               "qualification": _qualification_title(lift.qualification), "note": lift.decision_note}
    enqueue("suspension_lift_decided", db.session.get(User, lift.requested_by_id), context,
            link=f"/people/{person.id}#lifts")
    if approved:
        enqueue("suspension_lifted", person, {"qualification": _qualification_title(lift.qualification),
                                              "reason": lift.reason}, link="/certificates/")


@events.batch_members_added.connect
def _batch_members_added(_app, batch, user_ids, **_extra) -> None:
    from sqlalchemy import select

    from trainer.auth.models import User
    from trainer.extensions import db
    from trainer.formatting import long_day

    if not user_ids:
        return
    for person in db.session.scalars(select(User).where(User.id.in_(user_ids), User.active.is_(True))
                                     .order_by(User.id)):
        enqueue("batch_due", person, {
            "batch": batch.name, "qualification": _qualification_title(batch.qualification),
            "starts_on": lambda language: long_day(batch.starts_on, language),
            "due_on": lambda language: long_day(batch.due_on, language),
        }, link="/exams/")
