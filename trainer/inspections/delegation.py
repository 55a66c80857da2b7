"""Review delegation: a supervisor who will be away hands their reviews, for a date range, to
another supervisor of the same department who may review (the gate: a valid supervisor
qualification, `gate.refusal`). Never to themselves; a delegate never reviews a report they
wrote (`review.reviewable` refuses it whatever the delegation).

"Their reviews" are the reports waiting for them: resubmissions of reports they returned for
correction (they asked for the changes). While the delegation runs, the delegate's queue lists
those under the absent supervisor's name; every other submitted report of the department is in
every supervisor's queue already.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from trainer.people.models import Role, User
from trainer.extensions import db
from trainer.inspections import gate
from trainer.inspections.models import InspectionReport, ReportStatus, Review, ReviewDelegation
from trainer.inspections.services import InspectionError, ReportRow, report_rows
from trainer.timeutil import utcnow

MAX_DAYS = 366


def supervisors_to_choose(delegator: User) -> list[User]:
    """Active supervisors of the delegator's department other than the delegator, by name."""
    return [u for u in db.session.scalars(select(User).where(User.department_id == delegator.department_id,
                                                             User.id != delegator.id, User.active)
                                          .order_by(User.full_name)) if u.has_role(Role.SUPERVISOR)]


def create(delegator: User, delegate_id: int | None, starts_on: date | None, ends_on: date | None,
           today: date) -> ReviewDelegation:
    """Delegate `delegator`'s reviews from `starts_on` to `ends_on` (inclusive)."""
    if not delegator.has_role(Role.SUPERVISOR):
        raise InspectionError("not_supervisor", _l("Only supervisors review reports."), forbidden=True)
    problems: dict[str, object] = {}
    delegate = db.session.get(User, delegate_id) if delegate_id else None
    if delegate is None:
        problems["delegate"] = _l("Choose the supervisor who reviews in your place.")
    elif delegate.id == delegator.id:
        problems["delegate"] = _l("You cannot delegate your reviews to yourself.")
    elif delegate.department_id != delegator.department_id:
        problems["delegate"] = _l("The delegate must be a supervisor of your department.")
    elif not delegate.active or not delegate.has_role(Role.SUPERVISOR):
        problems["delegate"] = _l("The delegate must be an active supervisor.")
    else:
        why = gate.refusal(delegate, gate.SUPERVISOR, today, today)
        if why is not None:
            problems["delegate"] = _l("%(name)s may not review reports now: %(reason)s", name=delegate.full_name,
                                      reason=str(why.message))
    if starts_on is None:
        problems["starts_on"] = _l("Enter the first day of your absence.")
    elif starts_on < today:
        problems["starts_on"] = _l("The absence cannot start in the past.")
    if ends_on is None:
        problems["ends_on"] = _l("Enter the last day of your absence.")
    elif starts_on is not None and ends_on < starts_on:
        problems["ends_on"] = _l("The last day cannot be before the first.")
    elif starts_on is not None and ends_on > starts_on + timedelta(days=MAX_DAYS):
        problems["ends_on"] = _l("A delegation lasts at most %(n)d days.", n=MAX_DAYS)
    if not problems:
        overlap = _overlapping(delegator.id, starts_on, ends_on)
        if overlap is not None:
            problems["starts_on"] = _l("You already delegate your reviews from %(start)s to %(end)s.",
                                       start=overlap.starts_on.isoformat(), end=overlap.ends_on.isoformat())
        elif _overlapping(delegate.id, starts_on, ends_on) is not None:
            problems["delegate"] = _l("%(name)s is away then too and has delegated their own reviews.",
                                      name=delegate.full_name)
    if problems:
        raise InspectionError("invalid", " ".join([str(_l("Correct the delegation."))] + [str(m) for m in problems.values()]),
                              problems)
    row = ReviewDelegation(delegator_id=delegator.id, delegate_id=delegate.id, department_id=delegator.department_id,
                           starts_on=starts_on, ends_on=ends_on, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def _overlapping(delegator_id: int, starts_on: date, ends_on: date) -> ReviewDelegation | None:
    return db.session.scalars(select(ReviewDelegation).where(
        ReviewDelegation.delegator_id == delegator_id, ReviewDelegation.cancelled_at.is_(None),
        ReviewDelegation.starts_on <= ends_on, ReviewDelegation.ends_on >= starts_on).limit(1)).first()


def cancel(delegator: User, delegation_id: int) -> None:
    row = db.session.get(ReviewDelegation, delegation_id)
    if row is None or row.delegator_id != delegator.id:
        raise InspectionError("not_found", _l("There is no such delegation."), forbidden=True)
    if row.cancelled_at is None:
        row.cancelled_at = utcnow()
        db.session.flush()


def _running(day: date):
    return and_(ReviewDelegation.cancelled_at.is_(None), ReviewDelegation.starts_on <= day,
                ReviewDelegation.ends_on >= day)


def given(delegator: User, today: date) -> list[ReviewDelegation]:
    """The delegator's delegations that have not ended, soonest first."""
    return list(db.session.scalars(select(ReviewDelegation).where(
        ReviewDelegation.delegator_id == delegator.id, ReviewDelegation.cancelled_at.is_(None),
        ReviewDelegation.ends_on >= today).order_by(ReviewDelegation.starts_on)))


def received(delegate: User, day: date) -> list[ReviewDelegation]:
    """Delegations to `delegate` running on `day`, within their department."""
    return list(db.session.scalars(select(ReviewDelegation).where(
        ReviewDelegation.delegate_id == delegate.id, ReviewDelegation.department_id == delegate.department_id,
        _running(day)).order_by(ReviewDelegation.starts_on)))


@dataclass(frozen=True)
class DelegatedQueue:
    delegation: ReviewDelegation
    delegator_name: str
    rows: list[ReportRow]


def waiting_for(supervisor_ids: set[int], department_id: int):
    """Submitted reports of the department whose latest review was by one of `supervisor_ids` (they returned them)."""
    latest = (select(Review.report_id, func.max(Review.id).label("review_id")).group_by(Review.report_id)
              .subquery())
    return (select(InspectionReport, Review.reviewer_id)
            .join(latest, latest.c.report_id == InspectionReport.id)
            .join(Review, Review.id == latest.c.review_id)
            .where(InspectionReport.department_id == department_id, InspectionReport.status == ReportStatus.SUBMITTED,
                   Review.reviewer_id.in_(supervisor_ids))
            .order_by(InspectionReport.submitted_at, InspectionReport.id))


def delegated_queues(delegate: User, day: date) -> list[DelegatedQueue]:
    """For each delegation the delegate holds today: the reports waiting for the absent supervisor
    (never the delegate's own reports). A fixed number of queries, whatever the number of reports."""
    running = received(delegate, day)
    if not running:
        return []
    by_delegator = {d.delegator_id: d for d in running}
    pairs = db.session.execute(waiting_for(set(by_delegator), delegate.department_id)
                               .where(InspectionReport.author_id != delegate.id)).all()
    reports = [report for report, _reviewer in pairs]
    _page, rows = report_rows(select(InspectionReport).where(InspectionReport.id.in_([r.id for r in reports]))
                              .order_by(InspectionReport.submitted_at, InspectionReport.id), 1) if reports else (None, [])
    owner = {report.id: reviewer for report, reviewer in pairs}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(set(by_delegator)))).all())
    return [DelegatedQueue(d, names.get(d.delegator_id, ""), [r for r in rows if owner.get(r.report.id) == d.delegator_id])
            for d in running]
