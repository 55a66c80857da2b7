"""The rules of credit staff meetings.

A meeting belongs to one department. Its supervisors (while qualified as
supervisors) and administrators record it; HR and administrators read every
department's, a supervisor their own. Who is "of the department" and which
loans a viewer may see come from the existing scoping helpers
(`security.scope_people`, `inspections.loans.visible_loans`).

The meeting is where a warning signal raised in a report is decided to exist
(confirmed) or not (dismissed): each decision points at the `RaisedSignal`, and
the report page reads them back (`decisions_for_report`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from trainer.audit_log import services as audit_trail
from trainer.people.models import Department, Role, User
from trainer.certification import services as certification
from trainer.extensions import db
from trainer.inspections.loans import visible_loans
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal, ReportStatus
from trainer.meetings.models import CreditMeeting, MeetingAttendee, MeetingLoan, MeetingSignalDecision, SignalDecision
from trainer.pagination import Page, paginate
from trainer.refusals import Refusal
from trainer.security import scope_people, scoped

# Signals of reports inspected this many days before the meeting may be decided at it.
LOOKBACK_DAYS = 120
MAX_ANALYSIS = 20000
DECIDABLE_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.REVIEWED)


class MeetingError(Refusal):
    def __init__(self, code: str, message, fields: dict | None = None):
        super().__init__(message, code, fields=fields)


@dataclass
class MeetingInput:
    held_on: date
    analysis: str
    attendee_ids: list[int] = field(default_factory=list)
    loan_ids: list[int] = field(default_factory=list)
    decisions: dict[int, tuple[str, str]] = field(default_factory=dict)  # raised signal id -> (decision, note)


# --- who may do what ----------------------------------------------------------------

def _departments_in_scope(viewer: User) -> Select:
    """The departments of the people `viewer` may see (security.scope_people)."""
    return scope_people(select(User.department_id), viewer)


def visible_meetings(viewer: User) -> Select:
    return scoped(select(CreditMeeting), viewer, CreditMeeting.department_id)


def can_view(viewer: User, meeting: CreditMeeting) -> bool:
    return db.session.scalar(visible_meetings(viewer).with_only_columns(CreditMeeting.id)
                             .where(CreditMeeting.id == meeting.id)) is not None


def recordable_departments(viewer: User) -> list[Department]:
    """Where `viewer` may record a meeting: an administrator anywhere, a supervisor in their department."""
    query = select(Department).where(Department.active).order_by(Department.name)
    if viewer.has_role(Role.ADMIN):
        return list(db.session.scalars(query))
    if viewer.has_role(Role.SUPERVISOR):
        return list(db.session.scalars(query.where(Department.id.in_(_departments_in_scope(viewer)))))
    return []


def check_may_record(viewer: User, department_id: int) -> None:
    if department_id not in {d.id for d in recordable_departments(viewer)}:
        raise MeetingError("forbidden", _l("Only the department's supervisors or an administrator record its meetings."))
    if not viewer.has_role(Role.ADMIN):
        from trainer.inspections.gate import require_supervisor

        require_supervisor(viewer)  # a supervisor decides signals only while qualified (GateRefused otherwise)


# --- what a meeting may name ---------------------------------------------------------

def department_people(department_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.department_id == department_id, User.active)
                                   .order_by(User.full_name)))


def department_loans(viewer: User, department_id: int) -> list[Loan]:
    return list(db.session.scalars(visible_loans(viewer).where(Loan.department_id == department_id, Loan.active)
                                   .order_by(Loan.loan_no)))


@dataclass(frozen=True)
class SignalCandidate:
    signal: RaisedSignal
    report: InspectionReport
    loan: Loan
    last_decision: MeetingSignalDecision | None
    last_meeting_on: date | None


def signal_candidates(department_id: int, on: date | None = None) -> list[SignalCandidate]:
    """Signals raised in the department's submitted or reviewed reports of the last LOOKBACK_DAYS,
    with the last meeting decision on each (three queries)."""
    on = on or certification.today()
    rows = db.session.execute(
        select(RaisedSignal, InspectionReport, Loan)
        .join(InspectionReport, InspectionReport.id == RaisedSignal.report_id)
        .join(Loan, Loan.id == InspectionReport.loan_id)
        .where(InspectionReport.department_id == department_id, InspectionReport.status.in_(DECIDABLE_STATUSES),
               InspectionReport.inspection_date <= on,
               InspectionReport.inspection_date >= on - timedelta(days=LOOKBACK_DAYS))
        .order_by(InspectionReport.inspection_date.desc(), Loan.loan_no, RaisedSignal.id)).all()
    last = _last_decisions([signal.id for signal, _r, _l in rows])
    return [SignalCandidate(signal, report, loan, *last.get(signal.id, (None, None))) for signal, report, loan in rows]


def _last_decisions(signal_ids: list[int]) -> dict[int, tuple[MeetingSignalDecision, date]]:
    if not signal_ids:
        return {}
    found: dict[int, tuple[MeetingSignalDecision, date]] = {}
    for decision, held_on in db.session.execute(
            select(MeetingSignalDecision, CreditMeeting.held_on)
            .join(CreditMeeting, CreditMeeting.id == MeetingSignalDecision.meeting_id)
            .where(MeetingSignalDecision.raised_signal_id.in_(signal_ids))
            .order_by(CreditMeeting.held_on, CreditMeeting.id)):
        found[decision.raised_signal_id] = (decision, held_on)
    return found


# --- recording ----------------------------------------------------------------------

def record_meeting(viewer: User, department_id: int, data: MeetingInput, today: date | None = None) -> CreditMeeting:
    """Record a meeting and its decisions, with its audit event, in the caller's transaction."""
    check_may_record(viewer, department_id)
    today = today or certification.today()
    problems: dict[str, object] = {}
    if data.held_on > today:
        problems["held_on"] = _l("The meeting date cannot be in the future.")
    analysis = (data.analysis or "").strip()
    if not analysis:
        problems["analysis"] = _l("Write the credit manager's analysis.")
    elif len(analysis) > MAX_ANALYSIS:
        problems["analysis"] = _l("The analysis is too long.")
    people = {u.id for u in department_people(department_id)}
    attendees = sorted(set(data.attendee_ids))
    if not attendees:
        problems["attendees"] = _l("Name who attended.")
    elif not set(attendees) <= people:
        problems["attendees"] = _l("Attendees must be people of the department.")
    loans = {loan.id: loan for loan in department_loans(viewer, department_id)}
    loan_ids = set(data.loan_ids)
    if not loan_ids <= set(loans):
        problems["loans"] = _l("Only the department's loans can be discussed.")
    candidates = {c.signal.id: c for c in signal_candidates(department_id, data.held_on)}
    decisions: dict[int, tuple[SignalDecision, str]] = {}
    for signal_id, (decision, note) in data.decisions.items():
        if not decision:
            continue
        if signal_id not in candidates:
            problems[f"signal.{signal_id}"] = _l("This signal is not one of the department's reports before the meeting.")
            continue
        try:
            decisions[signal_id] = (SignalDecision(decision), (note or "").strip()[:2000])
        except ValueError:
            problems[f"signal.{signal_id}"] = _l("Choose confirmed or dismissed.")
    if not loan_ids and not decisions and "loans" not in problems:
        problems["loans"] = _l("Name the loans discussed.")
    if problems:
        raise MeetingError("invalid", _l("The meeting was not recorded: correct the fields shown."), problems)
    loan_ids |= {candidates[s].loan.id for s in decisions}  # a decided signal's loan was discussed
    meeting = CreditMeeting(department_id=department_id, held_on=data.held_on, analysis=analysis,
                            recorded_by_id=viewer.id)
    meeting.attendees = [MeetingAttendee(user_id=user_id) for user_id in attendees]
    meeting.loans = [MeetingLoan(loan_id=loan_id) for loan_id in sorted(loan_ids)]
    meeting.decisions = [MeetingSignalDecision(raised_signal_id=s, decision=d, note=n)
                         for s, (d, n) in sorted(decisions.items())]
    try:  # two recorders of the same meeting: the second loses here, on the unique day, and only this step
        with db.session.begin_nested():
            db.session.add(meeting)
    except IntegrityError:
        raise MeetingError("duplicate", _l("A meeting of this department on that day is already recorded."),
                           {"held_on": _l("A meeting of this department on that day is already recorded.")}) from None
    audit_trail.record("meeting.recorded", f"meeting:{meeting.id}", actor=viewer, after={
        "department_id": department_id, "held_on": data.held_on, "attendees": attendees,
        "loans": sorted(loan_ids), "confirmed": sorted(s for s, (d, _n) in decisions.items() if d is SignalDecision.CONFIRMED),
        "dismissed": sorted(s for s, (d, _n) in decisions.items() if d is SignalDecision.DISMISSED)})
    return meeting


# --- reading ------------------------------------------------------------------------

@dataclass(frozen=True)
class MeetingRow:
    meeting: CreditMeeting
    department: Department
    loans: int
    confirmed: int
    dismissed: int


def meetings_page(viewer: User, department_id: int | None = None, page: int = 1) -> tuple[Page, list[MeetingRow]]:
    """One page of the meetings the viewer may read, newest first, with counts (four queries)."""
    from sqlalchemy import func

    query = visible_meetings(viewer).order_by(CreditMeeting.held_on.desc(), CreditMeeting.id.desc())
    if department_id:
        query = query.where(CreditMeeting.department_id == department_id)
    result = paginate(query, page)
    ids = [m.id for m in result.items]
    departments = {d.id: d for d in db.session.scalars(
        select(Department).where(Department.id.in_({m.department_id for m in result.items})))} if ids else {}
    loans = dict(db.session.execute(select(MeetingLoan.meeting_id, func.count()).where(MeetingLoan.meeting_id.in_(ids))
                                    .group_by(MeetingLoan.meeting_id)).all()) if ids else {}
    decided: dict[tuple[int, SignalDecision], int] = {}
    if ids:
        for meeting_id, decision, count in db.session.execute(
                select(MeetingSignalDecision.meeting_id, MeetingSignalDecision.decision, func.count())
                .where(MeetingSignalDecision.meeting_id.in_(ids))
                .group_by(MeetingSignalDecision.meeting_id, MeetingSignalDecision.decision)):
            decided[(meeting_id, decision)] = count
    return result, [MeetingRow(m, departments[m.department_id], loans.get(m.id, 0),
                               decided.get((m.id, SignalDecision.CONFIRMED), 0),
                               decided.get((m.id, SignalDecision.DISMISSED), 0)) for m in result.items]


@dataclass(frozen=True)
class DecisionLine:
    decision: MeetingSignalDecision
    signal: RaisedSignal
    report: InspectionReport
    loan: Loan


@dataclass(frozen=True)
class MeetingDetail:
    meeting: CreditMeeting
    department: Department
    recorded_by: User
    attendees: list[User]
    loans: list[Loan]
    decisions: list[DecisionLine]


def meeting_detail(meeting: CreditMeeting) -> MeetingDetail:
    attendees = list(db.session.scalars(select(User).join(MeetingAttendee, MeetingAttendee.user_id == User.id)
                                        .where(MeetingAttendee.meeting_id == meeting.id).order_by(User.full_name)))
    loans = list(db.session.scalars(select(Loan).join(MeetingLoan, MeetingLoan.loan_id == Loan.id)
                                    .where(MeetingLoan.meeting_id == meeting.id).order_by(Loan.loan_no)))
    decisions = [DecisionLine(*row) for row in db.session.execute(
        select(MeetingSignalDecision, RaisedSignal, InspectionReport, Loan)
        .join(RaisedSignal, RaisedSignal.id == MeetingSignalDecision.raised_signal_id)
        .join(InspectionReport, InspectionReport.id == RaisedSignal.report_id)
        .join(Loan, Loan.id == InspectionReport.loan_id)
        .where(MeetingSignalDecision.meeting_id == meeting.id)
        .order_by(Loan.loan_no, InspectionReport.inspection_date, RaisedSignal.id))]
    return MeetingDetail(meeting, db.session.get(Department, meeting.department_id),
                         db.session.get(User, meeting.recorded_by_id), attendees, loans, decisions)


@dataclass(frozen=True)
class ReportDecision:
    signal: RaisedSignal
    meeting: CreditMeeting
    decision: MeetingSignalDecision


def decisions_for_report(report_id: int) -> list[ReportDecision]:
    """What meetings decided about the signals of one report (for the report page), oldest first."""
    return [ReportDecision(*row) for row in db.session.execute(
        select(RaisedSignal, CreditMeeting, MeetingSignalDecision)
        .join(MeetingSignalDecision, MeetingSignalDecision.raised_signal_id == RaisedSignal.id)
        .join(CreditMeeting, CreditMeeting.id == MeetingSignalDecision.meeting_id)
        .where(RaisedSignal.report_id == report_id)
        .order_by(CreditMeeting.held_on, CreditMeeting.id, RaisedSignal.id))]
