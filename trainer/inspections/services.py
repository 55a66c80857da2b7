"""Post-loan inspection reports: drafting, editing and submitting, behind the gate.

Every path that writes a report (the form, the API) comes through here, and
each change calls `gate.require_inspector` first: the inspection date must lie
in the policy's window before the filing day, and the author be qualified on
both days (an expired inspector cannot back-date a report).
A refused change raises InspectionError or GateRefused and writes nothing.
Each write names the channel it comes through (channel.py): the report keeps
the one it was created through, and only a channel that speaks for the author
submits or changes it.

Changes are conditional UPDATEs on the report's `revision` (and status), so
an edit based on a stale page, or a second click on "submit", loses cleanly
instead of overwriting. `submitted_at` keeps the first submission: a report
returned for correction and resubmitted was still filed when first sent.

The writes join the caller's transaction (trainer/transactions.py): the request
commits them, and rolls them back when a rule refuses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from trainer import events
from trainer.people.models import User
from trainer.extensions import db
from trainer.inspections.channel import WEB, Channel
from trainer.inspections.gate import GateRefused, require_inspector
from trainer.inspections.models import (AreaFinding, InspectionReport, Loan, RaisedSignal, ReportKind, ReportStatus,
                                        Review)
from trainer.inspections.policy import InspectionPolicy, inspection_policy
from trainer.pagination import Page, paginate
from trainer.refusals import CONFLICT, FORBIDDEN, UNPROCESSABLE, Refusal
from trainer.security import in_scope, scoped
from trainer.timeutil import utcnow

EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)
TEXT_MAX = 10_000
NOTE_MAX = 2_000


# Refusals because the report changed meanwhile (or already exists), not because of what was sent.
CONFLICTS = {"stale", "already_submitted", "not_editable", "not_submitted", "duplicate_regular"}


class InspectionError(Refusal):
    """A change refused by a rule. `fields` maps a form field to its message;
    `forbidden` marks refusals about who may act rather than what was sent."""

    def __init__(self, code: str, message, fields: dict[str, str] | None = None, forbidden: bool = False,
                 report_id: int | None = None):
        self.report_id = report_id  # the other report a refusal points at (duplicate_regular)
        super().__init__(str(message), code, fields=fields,
                         status=FORBIDDEN if forbidden else CONFLICT if code in CONFLICTS else UNPROCESSABLE)


@dataclass
class AreaEntry:
    finding: str = ""
    rating: str | None = None
    notes: str = ""
    reason: str = ""  # why the worst rating, when no warning signal of the area backs it


@dataclass
class ReportContent:
    """What the author writes. `signals` maps each raised signal to its note."""

    kind: str
    inspection_date: date
    trigger: str = ""
    conclusion: str = ""
    areas: dict[str, AreaEntry] = field(default_factory=dict)
    signals: dict[str, str] = field(default_factory=dict)


# --- who may do what --------------------------------------------------------------

def can_file_on(author: User, loan: Loan) -> bool:
    """Inspections are filed by staff of the loan's department (the supervisor there reviews them)."""
    return loan.department_id == author.department_id


def can_view_report(viewer: User, report: InspectionReport) -> bool:
    return in_scope(viewer, report.department_id, report.author_id)


# --- writing ----------------------------------------------------------------------

def file_report(author: User, loan: Loan, content: ReportContent, submit: bool = False,
                now: datetime | None = None, channel: Channel = WEB) -> InspectionReport:
    """Create and, if asked, submit in one transaction: a refused submission leaves no draft behind once the
    caller rolls back, as a request does. Only a channel that speaks for the author may submit (see channel.py)."""
    now = now or utcnow()
    report = _create(author, loan, content, now, channel)
    if submit:
        _require_own(author, channel)
        _submit(author, report, report.revision, content, now)
    return report


def save_report(author: User, report_id: int, revision: int, content: ReportContent,
                now: datetime | None = None, channel: Channel = WEB) -> InspectionReport:
    """Save a draft (or a returned report) as it stands."""
    _require_own(author, channel)
    report, loan = _editable(author, report_id, revision)
    _check(author, loan, content, complete=False, now=now or utcnow())
    _write(report, revision, content, {})
    return report


def submit_report(author: User, report_id: int, revision: int, content: ReportContent | None = None,
                  now: datetime | None = None, channel: Channel = WEB) -> InspectionReport:
    """Submit, locking the report for review. With `content`, what the form holds is saved with it.
    Of two concurrent submissions one wins; the other gets code 'already_submitted'."""
    _require_own(author, channel)
    report, _loan = _editable(author, report_id, revision)
    _submit(author, report, revision, content or content_of(report), now or utcnow())
    return report


def _require_own(author: User, channel: Channel) -> None:
    if not channel.speaks_for(author):
        raise InspectionError("submit_in_person", _l("This API token does not speak for the author: the author must "
                                                     "open the report and submit it in person."), forbidden=True)


def _create(author: User, loan: Loan, content: ReportContent, now: datetime, channel: Channel) -> InspectionReport:
    if not channel.may_name(author):
        raise InspectionError("token_bound_to_another", _l("This API token files reports only for the person it "
                                                           "was issued to."), forbidden=True)
    if not can_file_on(author, loan):
        raise InspectionError("loan_not_visible", _l("This loan belongs to another department: you cannot inspect it."),
                              forbidden=True)
    if not loan.active:
        raise InspectionError("loan_closed", _l("This loan is closed: no more inspections are filed on it."))
    _check(author, loan, content, complete=False, now=now)
    month = regular_month(content)
    _refuse_duplicate(loan.id, month)
    report = InspectionReport(loan_id=loan.id, author_id=author.id, department_id=loan.department_id,
                              kind=ReportKind(content.kind), inspection_date=content.inspection_date,
                              regular_month=month, status=ReportStatus.DRAFT, trigger=content.trigger.strip(),
                              conclusion=content.conclusion.strip(), revision=1, created_at=utcnow(),
                              updated_at=utcnow(), channel=channel.kind, api_token_id=channel.token_id)
    try:  # a concurrent create of the month loses here, on the unique key; the savepoint keeps the rest usable
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        _refuse_duplicate(loan.id, month)  # now sees the winner's report, and names it
        raise
    _write_rows(report, content, inspection_policy())
    db.session.flush()
    return report


def regular_month(content: ReportContent):
    """The month a regular report stands for (its first day); None for any other kind."""
    if content.kind != ReportKind.REGULAR.value or content.inspection_date is None:
        return None
    return content.inspection_date.replace(day=1)


def _refuse_duplicate(loan_id: int, month, report_id: int | None = None) -> None:
    """One regular report per loan and month, whatever its state: a second one is refused, naming the first."""
    if month is None:
        return
    query = select(InspectionReport.id).where(InspectionReport.loan_id == loan_id,
                                              InspectionReport.regular_month == month)
    if report_id is not None:
        query = query.where(InspectionReport.id != report_id)
    existing = db.session.scalar(query.limit(1))
    if existing is not None:
        message = _l("This loan already has a regular report for %(month)s: open it instead of filing another.",
                     month=month.strftime("%Y-%m"))
        raise InspectionError("duplicate_regular", message, {"inspection_date": message}, report_id=existing)


def _submit(author: User, report: InspectionReport, revision: int, content: ReportContent, now: datetime) -> None:
    loan = db.session.get(Loan, report.loan_id)
    _check(author, loan, content, complete=True, now=now)
    _write(report, revision, content, {"status": ReportStatus.SUBMITTED,
                                       "submitted_at": func.coalesce(InspectionReport.submitted_at, now)})
    # Escalation of high-severity signals reacts here, in this same transaction.
    events.send(events.report_submitted, report=report, author=author, now=now)


def _editable(author: User, report_id: int, revision: int) -> tuple[InspectionReport, Loan]:
    report = db.session.get(InspectionReport, report_id)
    if report is None:
        raise InspectionError("not_found", _l("There is no such report."), forbidden=True)
    if report.author_id != author.id:
        raise InspectionError("not_author", _l("Only the author may change this report."), forbidden=True)
    _refuse_if_locked(report)
    if report.revision != revision:
        raise _stale()
    loan = db.session.get(Loan, report.loan_id)
    if not can_file_on(author, loan):
        raise InspectionError("loan_not_visible", _l("This loan belongs to another department: you cannot inspect it."),
                              forbidden=True)
    return report, loan


def _refuse_if_locked(report: InspectionReport) -> None:
    if report.status is ReportStatus.SUBMITTED:
        raise InspectionError("already_submitted", _l("This report has been submitted and is locked until it is reviewed."))
    if report.status is ReportStatus.REVIEWED:
        raise InspectionError("not_editable", _l("This report has been reviewed and is final."))


def _stale() -> InspectionError:
    return InspectionError("stale", _l("Someone changed this report; reload."))


def _check(author: User, loan: Loan, content: ReportContent, complete: bool, now: datetime) -> None:
    """Refuse content that breaks a rule; on submission, also anything missing. Then the gate,
    for the inspection date and the filing day (`now`); a date it refuses is shown on the date field."""
    day = content.inspection_date
    if day < loan.start_date:
        message = _l("The inspection date is before the loan started (%(start)s).", start=loan.start_date.isoformat())
        raise InspectionError("before_loan_start", message, {"inspection_date": message})
    try:
        require_inspector(author, day, now)
    except GateRefused as refusal:
        if refusal.field is None:
            raise
        raise InspectionError(refusal.code, refusal.message, {refusal.field: refusal.message}) from None
    problems = _content_problems(content, inspection_policy(), complete)
    if problems:
        code = "incomplete" if complete and all(p[1] for p in problems.values()) else "invalid"
        first = _l("Complete the report before submitting.") if code == "incomplete" else _l("Correct the report.")
        raise InspectionError(code, f"{first} " + " ".join(str(m) for m, _missing in problems.values()),
                              {k: m for k, (m, _missing) in problems.items()})


def _content_problems(content: ReportContent, policy: InspectionPolicy, complete: bool) -> dict[str, tuple]:
    """field -> (message, whether it is only missing)."""
    problems: dict[str, tuple] = {}

    def bad(key, message, missing=False):
        problems.setdefault(key, (message, missing))

    if content.kind not in {k.value for k in ReportKind}:
        bad("kind", _l("Choose regular or irregular."))
    if content.kind == ReportKind.IRREGULAR.value and not content.trigger.strip():
        bad("trigger", _l("Say what triggered this irregular inspection."))
    for key, text in (("trigger", content.trigger), ("conclusion", content.conclusion)):
        if len(text) > TEXT_MAX:
            bad(key, _l("At most %(n)d characters.", n=TEXT_MAX))
    for code in content.areas:
        if policy.area(code) is None:
            bad(f"area.{code}", _l("There is no inspection area '%(code)s'.", code=code))
    locale = str(get_locale())
    worst = policy.worst_rating
    for area in policy.areas:
        entry = content.areas.get(area.code) or AreaEntry()
        name = area.label(locale)
        if entry.rating not in (None, "") and entry.rating not in policy.ratings:
            bad(f"{area.code}.rating", _l("%(area)s: there is no rating '%(rating)s'.", area=name, rating=entry.rating))
        for part, text in (("finding", entry.finding), ("notes", entry.notes)):
            if len(text) > TEXT_MAX:
                bad(f"{area.code}.{part}", _l("At most %(n)d characters.", n=TEXT_MAX))
        if complete and not entry.finding.strip():
            bad(f"{area.code}.finding", _l("%(area)s: write what you found.", area=name), missing=True)
        if complete and not entry.rating:
            bad(f"{area.code}.rating", _l("%(area)s: choose a rating.", area=name), missing=True)
        if len(entry.reason) > TEXT_MAX:
            bad(f"{area.code}.reason", _l("At most %(n)d characters.", n=TEXT_MAX))
        elif entry.rating and entry.rating == worst and not entry.reason.strip() and not any(
                policy.signals[code].area == area.code for code in content.signals if code in policy.signals):
            bad(f"{area.code}.reason", _l("%(area)s: a '%(rating)s' rating needs a warning signal of this area "
                                          "or a reason.", area=name, rating=policy.ratings[worst].label(locale)))
    for code, note in content.signals.items():
        if code not in policy.signals:
            bad(f"signal.{code}", _l("There is no warning signal '%(code)s'.", code=code))
        elif len(note) > NOTE_MAX:
            bad(f"signal.{code}", _l("At most %(n)d characters.", n=NOTE_MAX))
        elif complete and not note.strip():
            bad(f"signal.{code}", _l("Say what you saw for each warning signal you raise."), missing=True)
    if complete and not content.conclusion.strip():
        bad("conclusion", _l("Write the overall conclusion."), missing=True)
    return problems


def _write(report: InspectionReport, revision: int, content: ReportContent, extra: dict) -> None:
    """The conditional UPDATE that claims the change, then the area and signal rows."""
    month = regular_month(content)
    _refuse_duplicate(report.loan_id, month, report.id)
    try:  # a month changed to one a concurrent report just took loses here, on the unique constraint
        with db.session.begin_nested():
            won = db.session.execute(
                update(InspectionReport)
                .where(InspectionReport.id == report.id, InspectionReport.status.in_(EDITABLE),
                       InspectionReport.revision == revision)
                .values(revision=InspectionReport.revision + 1, updated_at=utcnow(), kind=ReportKind(content.kind),
                        inspection_date=content.inspection_date, regular_month=month,
                        trigger=content.trigger.strip(), conclusion=content.conclusion.strip(), **extra)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
    except IntegrityError:
        _refuse_duplicate(report.loan_id, month, report.id)
        raise
    if not won:  # someone else's change came first: read the report as it now is, to say why
        db.session.expire(report)
        current = db.session.get(InspectionReport, report.id)
        _refuse_if_locked(current)
        raise _stale()
    db.session.expire(report)
    _write_rows(report, content, inspection_policy())
    db.session.flush()


def _write_rows(report: InspectionReport, content: ReportContent, policy: InspectionPolicy) -> None:
    areas = {row.area: row for row in db.session.scalars(select(AreaFinding).where(AreaFinding.report_id == report.id))}
    for position, area in enumerate(policy.areas, start=1):
        entry = content.areas.get(area.code) or AreaEntry()
        row = areas.get(area.code)
        if row is None:
            row = AreaFinding(report_id=report.id, area=area.code)
            db.session.add(row)
        row.position, row.finding, row.notes = position, entry.finding.strip(), entry.notes.strip()
        row.rating = entry.rating or None
        row.rating_reason = entry.reason.strip()
    signals = {row.signal: row for row in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
    for code, row in signals.items():
        if code not in content.signals:
            db.session.delete(row)
    for code, note in content.signals.items():
        row = signals.get(code)
        if row is None:
            # Severity is copied: a later change to the catalogue does not rewrite old reports.
            db.session.add(RaisedSignal(report_id=report.id, signal=code, severity=policy.signals[code].severity,
                                        note=note.strip()))
        else:
            row.note = note.strip()


# --- reading ----------------------------------------------------------------------

@dataclass
class ReportDetail:
    report: InspectionReport
    loan: Loan
    areas: list[AreaFinding]
    signals: list[RaisedSignal]
    reviews: list[Review]
    names: dict[int, str]  # user id -> full name: the author and every reviewer
    token: Any = None  # the API token it was created with (trainer.api.models.ApiToken), if any

    @property
    def last_review(self) -> Review | None:
        return self.reviews[-1] if self.reviews else None


def report_detail(report: InspectionReport) -> ReportDetail:
    """Everything a report page shows, in a fixed number of queries."""
    loan = db.session.get(Loan, report.loan_id)
    areas = list(db.session.scalars(select(AreaFinding).where(AreaFinding.report_id == report.id)
                                    .order_by(AreaFinding.position)))
    signals = list(db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id)
                                      .order_by(RaisedSignal.id)))
    reviews = list(db.session.scalars(select(Review).where(Review.report_id == report.id)
                                      .order_by(Review.created_at, Review.id)))
    ids = {report.author_id, loan.officer_id} | {r.reviewer_id for r in reviews}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
    token = report.api_token if report.api_token_id else None
    return ReportDetail(report, loan, areas, signals, reviews, names, token)


def last_review(report_id: int) -> Review | None:
    return db.session.scalars(select(Review).where(Review.report_id == report_id)
                              .order_by(Review.created_at.desc(), Review.id.desc()).limit(1)).first()


def content_of(report: InspectionReport) -> ReportContent:
    """The stored report as content, for a form or a submission without changes."""
    areas = db.session.scalars(select(AreaFinding).where(AreaFinding.report_id == report.id))
    signals = db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))
    return ReportContent(
        kind=report.kind.value, inspection_date=report.inspection_date, trigger=report.trigger,
        conclusion=report.conclusion,
        areas={a.area: AreaEntry(a.finding, a.rating, a.notes, a.rating_reason) for a in areas},
        signals={s.signal: s.note for s in signals},
    )


@dataclass(frozen=True)
class ReportRow:
    report: InspectionReport
    loan_no: str
    borrower: str
    author: str
    return_reasons: str  # of the latest review, for returned reports


def report_rows(query, page: int) -> tuple[Page, list[ReportRow]]:
    result = paginate(query, page)
    reports = result.items
    loans = {row.id: row for row in db.session.execute(
        select(Loan.id, Loan.loan_no, Loan.borrower).where(Loan.id.in_({r.loan_id for r in reports})))} if reports else {}
    authors = dict(db.session.execute(select(User.id, User.full_name).where(
        User.id.in_({r.author_id for r in reports}))).all()) if reports else {}
    returned = [r.id for r in reports if r.status is ReportStatus.RETURNED]
    reasons: dict[int, str] = {}
    if returned:
        for review in db.session.scalars(select(Review).where(Review.report_id.in_(returned))
                                         .order_by(Review.created_at, Review.id)):
            reasons[review.report_id] = review.return_reasons  # ordered: the latest wins
    return result, [ReportRow(r, loans[r.loan_id].loan_no, loans[r.loan_id].borrower, authors.get(r.author_id, ""),
                              reasons.get(r.id, "")) for r in reports]


def my_reports(author: User, page: int = 1) -> tuple[Page, list[ReportRow]]:
    """The author's reports: those needing work first (returned, drafts), then the rest, newest first."""
    order = case((InspectionReport.status == ReportStatus.RETURNED, 0), (InspectionReport.status == ReportStatus.DRAFT, 1),
                 else_=2)
    query = (select(InspectionReport).where(InspectionReport.author_id == author.id)
             .order_by(order, InspectionReport.inspection_date.desc(), InspectionReport.id.desc()))
    return report_rows(query, page)


def reports_on_loan(viewer: User, loan: Loan, page: int = 1) -> tuple[Page, list[ReportRow]]:
    query = scoped(select(InspectionReport).where(InspectionReport.loan_id == loan.id), viewer,
                   InspectionReport.department_id, InspectionReport.author_id)
    return report_rows(query.order_by(InspectionReport.inspection_date.desc(), InspectionReport.id.desc()), page)
