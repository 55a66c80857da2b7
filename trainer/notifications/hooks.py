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
def _qualification_ended(_app, user, code, kind, reason, modules, **_extra) -> None:
    from trainer.certification.models import EventKind

    if kind is EventKind.SUSPENDED:
        enqueue("suspension", user, {"qualification": _qualification_title(code), "reason": reason,
                                     "modules": _module_titles(modules)}, link="/modules/")
    elif modules:
        enqueue("reread_assignment", user, {"modules": _module_titles(modules), "reason": reason}, link="/modules/")


@events.rereading_assigned.connect
def _rereading_assigned(_app, user_id, modules, reason, **_extra) -> None:
    from trainer.auth.models import User
    from trainer.extensions import db

    if modules:
        enqueue("reread_assignment", db.session.get(User, user_id), {"modules": _module_titles(modules),
                                                                     "reason": reason}, link="/modules/")


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
