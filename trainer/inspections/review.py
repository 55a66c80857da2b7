"""Supervisor review: a qualified supervisor rates submitted reports of their
own department, never their own, and accepts them or returns them for correction.

Each review is a new Review row, so a report returned and resubmitted keeps
its history. The status change is a conditional UPDATE, so two supervisors
reviewing the same report at once produce one review.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from trainer import events
from trainer.people.models import Role, User
from trainer.extensions import db
from trainer.inspections import versions
from trainer.inspections.gate import require_supervisor
from trainer.inspections.models import InspectionReport, RaisedSignal, ReportStatus, Review, ReviewDecision
from trainer.inspections.policy import Rubric, rubric
from trainer.inspections.services import TEXT_MAX, InspectionError, ReportRow, report_rows
from trainer.pagination import Page
from trainer.timeutil import utcnow


@dataclass
class ReviewInput:
    decision: str  # accepted | returned
    opinion: str
    scores: dict[str, int]  # rubric criterion -> 0..max
    confirmations: dict[int, bool] = field(default_factory=dict)  # raised signal id -> confirmed
    return_reasons: str = ""


def reviewable(supervisor: User, report_id: int) -> InspectionReport:
    """The report, if this person is the kind of reviewer it may have (the gate comes on top)."""
    report = db.session.get(InspectionReport, report_id)
    if report is None:
        raise InspectionError("not_found", _l("There is no such report."), forbidden=True)
    if not supervisor.has_role(Role.SUPERVISOR):
        raise InspectionError("not_supervisor", _l("Only supervisors review reports."), forbidden=True)
    if report.department_id != supervisor.department_id:
        raise InspectionError("other_department", _l("This report belongs to another department."), forbidden=True)
    if report.author_id == supervisor.id:
        raise InspectionError("own_report", _l("You cannot review your own report."), forbidden=True)
    return report


def review_report(supervisor: User, report_id: int, data: ReviewInput, now: datetime | None = None) -> Review:
    """Record a review and move the report to reviewed or returned, in the caller's transaction."""
    report = reviewable(supervisor, report_id)
    if report.status is not ReportStatus.SUBMITTED:
        raise _not_waiting()
    require_supervisor(supervisor)
    signals = list(db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id)))
    criteria = rubric()
    _check(data, criteria, signals)
    decision = ReviewDecision(data.decision)
    now = now or utcnow()
    won = db.session.execute(
        update(InspectionReport)
        .where(InspectionReport.id == report.id, InspectionReport.status == ReportStatus.SUBMITTED)
        .values(status=ReportStatus.REVIEWED if decision is ReviewDecision.ACCEPTED else ReportStatus.RETURNED,
                revision=InspectionReport.revision + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:  # another review came first: the caller reads the report as it now is
        db.session.expire(report)
        raise _not_waiting()
    db.session.expire(report)
    scores = {c.code: data.scores[c.code] for c in criteria.criteria}
    review = Review(report_id=report.id, reviewer_id=supervisor.id, decision=decision, opinion=data.opinion.strip(),
                    return_reasons=data.return_reasons.strip() if decision is ReviewDecision.RETURNED else "",
                    scores=scores, quality_score=criteria.quality_score(scores), created_at=now)
    db.session.add(review)
    for signal in signals:
        signal.confirmed = data.confirmations[signal.id]
    if decision is ReviewDecision.RETURNED:  # the report as returned is kept, numbered, before the author changes it
        versions.record_returned(report, review)
    events.send(events.report_reviewed, report=report, review=review, reviewer=supervisor)  # the author is told
    db.session.flush()
    return review


def _not_waiting() -> InspectionError:
    return InspectionError("not_submitted", _l("This report is not waiting for review (it may just have been reviewed)."))


def _check(data: ReviewInput, criteria: Rubric, signals: list[RaisedSignal]) -> None:
    problems: dict[str, object] = {}
    if data.decision not in {d.value for d in ReviewDecision}:
        problems["decision"] = _l("Choose whether to accept the report or return it.")
    if not data.opinion.strip():
        problems["opinion"] = _l("Write your opinion.")
    elif len(data.opinion) > TEXT_MAX:
        problems["opinion"] = _l("At most %(n)d characters.", n=TEXT_MAX)
    if data.decision == ReviewDecision.RETURNED.value and not data.return_reasons.strip():
        problems["return_reasons"] = _l("Say what the author must correct.")
    elif len(data.return_reasons) > TEXT_MAX:
        problems["return_reasons"] = _l("At most %(n)d characters.", n=TEXT_MAX)
    locale = str(get_locale())
    for criterion in criteria.criteria:
        score = data.scores.get(criterion.code)
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= criterion.max:
            problems[f"score.{criterion.code}"] = _l("%(criterion)s: give a whole number from 0 to %(max)d.",
                                                     criterion=criterion.label(locale), max=criterion.max)
    for code in set(data.scores) - {c.code for c in criteria.criteria}:
        problems[f"score.{code}"] = _l("There is no rubric criterion '%(code)s'.", code=code)
    for signal in signals:
        if not isinstance(data.confirmations.get(signal.id), bool):
            problems[f"signal.{signal.id}"] = _l("Say whether each warning signal is confirmed.")
    if problems:
        raise InspectionError("invalid", " ".join([str(_l("Correct the review."))] + [str(m) for m in problems.values()]),
                              problems)


def review_queue(supervisor: User, page: int = 1) -> tuple[Page, list[ReportRow]]:
    """Submitted reports of the supervisor's department waiting for review, oldest first (never their own)."""
    query = (select(InspectionReport)
             .where(InspectionReport.department_id == supervisor.department_id,
                    InspectionReport.status == ReportStatus.SUBMITTED, InspectionReport.author_id != supervisor.id)
             .order_by(InspectionReport.submitted_at, InspectionReport.id))
    return report_rows(query, page)
