"""Escalation of high-severity warning signals: the rules.

- `escalate` runs when a report is submitted (trainer.events.report_submitted), in the
  submission's transaction: each raised signal of an escalating severity
  (policies/escalation.yaml) gets one Escalation row, once per report and signal, and an
  email (through the outbox) and a dashboard notification to the department's
  supervisors and to TRAINER_RISK_RECIPIENTS, with the loan, the signal and the report link.
- Recipients (the department's supervisors, and people whose email is a risk recipient)
  acknowledge it (who, when), then record the follow-up: the action taken and its date,
  never in the future nor before the escalation was raised.
- `chase` (trainer chase-escalations) emails the recipients again about escalations left
  unacknowledged past `chase_after_hours`, at most once per `chase_every_hours`; HR sees them.
- `response_times` gives the hours from raised to acknowledged, for the quarterly evaluation.

Who sees what follows trainer/security.py: HR and admin the whole bank, a supervisor their
department; risk recipients, like HR, every department.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, func, or_, select, update

from trainer.audit_log import services as audit_trail
from trainer.people.models import Department, Role, User, UserRole
from trainer.certification.services import today as bank_today
from trainer.escalations.models import Escalation
from trainer.escalations.policy import escalation_policy
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal
from trainer.inspections.policy import inspection_policy
from trainer.notifications.outbox import enqueue_many
from trainer.refusals import CONFLICT, FORBIDDEN, UNPROCESSABLE, Refusal
from trainer import security
from trainer.security import is_bank_wide
from trainer.timeutil import as_utc, utcnow

ACTION_MAX = 5_000


class EscalationError(Refusal):
    """A refused change; `forbidden` marks refusals about who may act, `field` the value refused."""

    def __init__(self, code: str, message, forbidden: bool = False, field: str | None = None):
        self.field = field
        super().__init__(str(message), code, fields={field: message} if field else None,
                         status=FORBIDDEN if forbidden else CONFLICT if field is None else UNPROCESSABLE)


# --- who ------------------------------------------------------------------------------

def risk_addresses() -> list[str]:
    return [a.lower() for a in current_app.config.get("RISK_RECIPIENTS", [])]


def is_risk_recipient(user: User) -> bool:
    return user.email.lower() in risk_addresses()


def supervisors_of(department_id: int) -> list[User]:
    """Active supervisors of the department, by name."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.department_id == department_id, User.active.is_(True), UserRole.role == Role.SUPERVISOR)
        .order_by(User.full_name, User.id)))


def is_recipient(user: User, escalation: Escalation) -> bool:
    """Those the escalation was sent to, who may acknowledge it and record its follow-up."""
    if not user.active:
        return False
    if is_risk_recipient(user):
        return True
    return user.has_role(Role.SUPERVISOR) and user.department_id == escalation.department_id


def may_open_escalations(user: User) -> bool:
    return user.has_role(Role.SUPERVISOR) or is_bank_wide(user) or is_risk_recipient(user)


def sees_every_department(viewer: User) -> bool:
    """HR, administrators and risk management see escalations of the whole bank."""
    return is_bank_wide(viewer) or is_risk_recipient(viewer)


def scoped(query: Select, viewer: User) -> Select:
    """Escalations `viewer` may see: HR, admin and risk management all, a supervisor their department's."""
    return security.scoped(query, viewer, Escalation.department_id,
                           bank_wide=sees_every_department(viewer))


def can_view(viewer: User, escalation: Escalation) -> bool:
    return security.in_scope(viewer, escalation.department_id,
                             bank_wide=sees_every_department(viewer))


# --- raising --------------------------------------------------------------------------

def report_path(report_id: int) -> str:
    return f"/inspections/reports/{report_id}"


def escalation_path(escalation_id: int) -> str:
    return f"/escalations/{escalation_id}"


def escalate(report: InspectionReport, author: User, now: datetime | None = None) -> list[Escalation]:
    """Escalate the report's raised signals of an escalating severity, each once. Part of the caller's transaction."""
    now = now or utcnow()
    severities = escalation_policy().severities
    raised = list(db.session.scalars(select(RaisedSignal).where(
        RaisedSignal.report_id == report.id, RaisedSignal.severity.in_(severities)).order_by(RaisedSignal.id)))
    if not raised:
        return []
    done = set(db.session.scalars(select(Escalation.signal).where(Escalation.report_id == report.id)))
    fresh = [signal for signal in raised if signal.signal not in done]
    if not fresh:
        return []
    loan = db.session.get(Loan, report.loan_id)
    department = db.session.get(Department, report.department_id)
    recipients: list[User | str] = [p for p in supervisors_of(report.department_id) if p.id != author.id]
    recipients += risk_addresses()
    catalogue = inspection_policy().signals
    made = []
    for signal in fresh:
        escalation = Escalation(report_id=report.id, loan_id=loan.id, department_id=report.department_id,
                                signal=signal.signal, severity=signal.severity, note=signal.note, raised_at=now,
                                chase_count=0)
        db.session.add(escalation)
        db.session.flush()
        entry = catalogue.get(signal.signal)
        enqueue_many("escalation", recipients, {
            "signal": (lambda lang, entry=entry, code=signal.signal: entry.label(lang) if entry else code),
            "severity": signal.severity, "note": signal.note, "loan_no": loan.loan_no, "borrower": loan.borrower,
            "department": department.name, "author": author.full_name,
            "inspection_date": report.inspection_date.isoformat(),
            "report_url": _absolute(report_path(report.id)),
        }, link=escalation_path(escalation.id), now=now)
        made.append(escalation)
    return made


def _absolute(path: str) -> str:
    from trainer.notifications.outbox import absolute_url

    return absolute_url(path)


# --- responding ----------------------------------------------------------------------

def _get(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id, populate_existing=True)
    if escalation is None:
        raise EscalationError("not_found", _l("There is no such escalation."), forbidden=True)
    return escalation


def _require_recipient(actor: User, escalation: Escalation) -> None:
    if not is_recipient(actor, escalation):
        raise EscalationError("not_recipient", _l("Only the department's supervisors and risk management respond "
                                                  "to this escalation."), forbidden=True)


def acknowledge(actor: User, escalation_id: int, now: datetime | None = None) -> Escalation:
    """Record that `actor` (a recipient) has taken it in hand. Once: a second acknowledgement is refused."""
    escalation = _get(escalation_id)
    _require_recipient(actor, escalation)
    now = now or utcnow()
    won = db.session.execute(
        update(Escalation).where(Escalation.id == escalation.id, Escalation.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=actor.id).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        raise EscalationError("already_acknowledged", _l("This escalation has already been acknowledged."))
    audit_trail.record("escalation.acknowledged", f"escalation {escalation.id}", actor=actor,
                              after={"escalation": escalation.id, "report": escalation.report_id,
                                     "signal": escalation.signal})
    db.session.refresh(escalation)
    return escalation


def record_follow_up(actor: User, escalation_id: int, action_taken: str, action_on: date | None,
                     now: datetime | None = None) -> Escalation:
    """The action taken and its date, by a recipient, after the acknowledgement; once."""
    escalation = _get(escalation_id)
    _require_recipient(actor, escalation)
    if escalation.acknowledged_at is None:
        raise EscalationError("not_acknowledged", _l("Acknowledge the escalation before recording its follow-up."))
    if escalation.followed_up_at is not None:
        raise EscalationError("already_followed_up", _l("The follow-up of this escalation is already recorded."))
    now = now or utcnow()
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise EscalationError("action_missing", _l("Say what action was taken."), field="action_taken")
    if len(action_taken) > ACTION_MAX:
        raise EscalationError("action_too_long", _l("At most %(n)d characters.", n=ACTION_MAX), field="action_taken")
    if action_on is None:
        raise EscalationError("date_missing", _l("Give the date the action was taken."), field="action_on")
    if action_on > bank_today(now):
        raise EscalationError("date_in_future", _l("The date of the action cannot be in the future."),
                              field="action_on")
    if action_on < bank_today(as_utc(escalation.raised_at)):
        raise EscalationError("date_before_escalation", _l("The action cannot predate the escalation."),
                              field="action_on")
    won = db.session.execute(
        update(Escalation).where(Escalation.id == escalation.id, Escalation.followed_up_at.is_(None))
        .values(action_taken=action_taken, action_on=action_on, followed_up_at=now, followed_up_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        raise EscalationError("already_followed_up", _l("The follow-up of this escalation is already recorded."))
    audit_trail.record("escalation.followed_up", f"escalation {escalation.id}", actor=actor,
                              after={"escalation": escalation.id, "action_taken": action_taken,
                                     "action_on": action_on.isoformat()})
    db.session.refresh(escalation)
    return escalation


# --- chasing ----------------------------------------------------------------------------

def overdue_condition(now: datetime):
    return _overdue_rows(_overdue_before(now))


def _overdue_rows(raised_before):
    """Unacknowledged and raised before `raised_before` (a time, or a bound parameter)."""
    return (Escalation.acknowledged_at.is_(None), Escalation.raised_at <= raised_before)


def _overdue_before(now: datetime) -> datetime:
    return now - timedelta(hours=escalation_policy().chase_after_hours)


def is_overdue(escalation: Escalation, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return escalation.acknowledged_at is None and as_utc(escalation.raised_at) <= now - timedelta(
        hours=escalation_policy().chase_after_hours)


def chase(now: datetime | None = None) -> int:
    """Email the recipients of every overdue, unacknowledged escalation not chased within the interval.
    Each chase is claimed by a conditional UPDATE, so overlapping runs chase once (the later run waits for the
    earlier one's commit, then finds the chase taken). Part of the caller's transaction; returns how many."""
    now = now or utcnow()
    every = timedelta(hours=escalation_policy().chase_every_hours)
    due = list(db.session.scalars(select(Escalation).where(
        *overdue_condition(now), or_(Escalation.last_chased_at.is_(None), Escalation.last_chased_at <= now - every))
        .order_by(Escalation.id).execution_options(populate_existing=True)))
    chased = 0
    for escalation in due:
        won = db.session.execute(
            update(Escalation).where(Escalation.id == escalation.id, Escalation.chase_count == escalation.chase_count,
                                     Escalation.acknowledged_at.is_(None))
            .values(chase_count=escalation.chase_count + 1, last_chased_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not won:
            continue
        _send_chase(escalation, escalation.chase_count + 1, now)
        chased += 1
    return chased


def _send_chase(escalation: Escalation, number: int, now: datetime) -> None:
    loan = db.session.get(Loan, escalation.loan_id)
    department = db.session.get(Department, escalation.department_id)
    report = db.session.get(InspectionReport, escalation.report_id)
    recipients: list[User | str] = [p for p in supervisors_of(escalation.department_id) if p.id != report.author_id]
    recipients += risk_addresses()
    entry = inspection_policy().signals.get(escalation.signal)
    hours = int((now - as_utc(escalation.raised_at)).total_seconds() // 3600)
    context = {
        "signal": lambda lang: entry.label(lang) if entry else escalation.signal,
        "loan_no": loan.loan_no, "borrower": loan.borrower, "department": department.name,
        "raised_at": as_utc(escalation.raised_at).strftime("%Y-%m-%d %H:%M UTC"), "hours": hours,
        "report_url": _absolute(report_path(escalation.report_id)),
    }
    for to in recipients:
        key = (to.email if isinstance(to, User) else to).lower()
        enqueue_many("escalation_chase", [to], context, link=escalation_path(escalation.id), now=now,
                     dedupe_key=f"escalation-chase:{escalation.id}:{number}:{key}"[:200])


# --- reading ----------------------------------------------------------------------------

@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    loan_no: str
    borrower: str
    department: str
    signal_label: str
    acknowledged_by: str
    followed_up_by: str
    overdue: bool
    may_respond: bool


def rows(viewer: User, escalations: list[Escalation], locale: str, now: datetime | None = None) -> list[EscalationRow]:
    """Display rows in a fixed number of queries."""
    now = now or utcnow()
    if not escalations:
        return []
    loans = {row.id: row for row in db.session.execute(select(Loan.id, Loan.loan_no, Loan.borrower).where(
        Loan.id.in_({e.loan_id for e in escalations})))}
    departments = dict(db.session.execute(select(Department.id, Department.name).where(
        Department.id.in_({e.department_id for e in escalations}))).all())
    people_ids = {e.acknowledged_by_id for e in escalations} | {e.followed_up_by_id for e in escalations}
    people_ids.discard(None)
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(people_ids))).all()) \
        if people_ids else {}
    catalogue = inspection_policy().signals
    return [EscalationRow(
        e, loans[e.loan_id].loan_no, loans[e.loan_id].borrower, departments.get(e.department_id, ""),
        catalogue[e.signal].label(locale) if e.signal in catalogue else e.signal,
        names.get(e.acknowledged_by_id, ""), names.get(e.followed_up_by_id, ""), is_overdue(e, now),
        is_recipient(viewer, e)) for e in escalations]


def open_escalations(viewer: User, limit: int = 200) -> list[Escalation]:
    """Not yet followed up, in the viewer's scope: unacknowledged first, oldest first."""
    query = scoped(select(Escalation).where(Escalation.followed_up_at.is_(None)), viewer)
    return list(db.session.scalars(query.order_by(Escalation.acknowledged_at.is_not(None), Escalation.raised_at,
                                                  Escalation.id).limit(limit)))


def recently_closed(viewer: User, limit: int = 50) -> list[Escalation]:
    query = scoped(select(Escalation).where(Escalation.followed_up_at.is_not(None)), viewer)
    return list(db.session.scalars(query.order_by(Escalation.followed_up_at.desc(), Escalation.id.desc())
                                   .limit(limit)))


def dashboard_counts(viewer: User, now: datetime | None = None) -> tuple[int, int]:
    """Open escalations (not followed up) and overdue ones (unacknowledged past the policy's threshold),
    in the viewer's scope: one query, for dashboards."""
    every = sees_every_department(viewer)
    key = (every, viewer.has_role(Role.SUPERVISOR), None if every else viewer.department_id)
    statement = _COUNTS.get(key)
    if statement is None:  # built once per scope: every supervisor's and HR's dashboard asks it
        overdue_before = bindparam("overdue_before", type_=Escalation.raised_at.type)
        statement = _COUNTS[key] = scoped(select(
            func.count(Escalation.id).filter(Escalation.followed_up_at.is_(None)),
            func.count(Escalation.id).filter(and_(*_overdue_rows(overdue_before)))), viewer)
    still_open, overdue = db.session.execute(statement, {"overdue_before": _overdue_before(now or utcnow())}).one()
    return still_open, overdue


# The dashboard counts' statement per scope (bank-wide or not, supervisor or not, department): what
# `scoped` makes of it depends on nothing else, and there are as many as departments at most.
_COUNTS: dict[tuple, Select] = {}


def overdue_count(viewer: User, now: datetime | None = None) -> int:
    return dashboard_counts(viewer, now)[1]


# --- response times ---------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseTimes:
    raised: int  # escalations raised in the period
    acknowledged: int
    unacknowledged: int
    median_hours: float | None  # raised -> acknowledged, over those acknowledged
    mean_hours: float | None
    max_hours: float | None
    hours: tuple[float, ...]  # every acknowledged one, in order raised


def response_times(start: datetime, end: datetime, department_id: int | None = None) -> ResponseTimes:
    """Hours from raised to acknowledged for escalations raised in [start, end) (UTC instants), one query."""
    query = select(Escalation.raised_at, Escalation.acknowledged_at).where(
        Escalation.raised_at >= start, Escalation.raised_at < end).order_by(Escalation.raised_at, Escalation.id)
    if department_id is not None:
        query = query.where(Escalation.department_id == department_id)
    found = db.session.execute(query).all()
    hours = tuple(round((as_utc(ack) - as_utc(raised)).total_seconds() / 3600, 2) for raised, ack in found if ack)
    return ResponseTimes(
        raised=len(found), acknowledged=len(hours), unacknowledged=len(found) - len(hours),
        median_hours=round(statistics.median(hours), 2) if hours else None,
        mean_hours=round(statistics.fmean(hours), 2) if hours else None,
        max_hours=max(hours) if hours else None, hours=hours)


def response_times_in(viewer: User, start: date, end: date, department_id: int | None = None) -> ResponseTimes | None:
    """Response times of escalations raised on bank days start..end (inclusive) that `viewer` may see:
    HR, admin and risk management every department (or `department_id`), a supervisor their own; None for others."""
    from zoneinfo import ZoneInfo

    if sees_every_department(viewer):
        scope = department_id
    elif viewer.has_role(Role.SUPERVISOR):
        scope = viewer.department_id
    else:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    begin = datetime.combine(start, datetime.min.time(), zone)
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    return response_times(begin, finish, scope)
