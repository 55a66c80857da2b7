from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Enum, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.append_only import protect
from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Loan(db.Model):
    """Just enough of a loan to inspect against."""

    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_no: Mapped[str] = mapped_column(String(40), unique=True)
    borrower: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # officer in charge
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    loan_type: Mapped[str] = mapped_column(String(40))  # working_capital, fixed_asset, ...
    guarantor: Mapped[str] = mapped_column(String(200), default="")
    collateral: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # repaid or written off: no more inspections due


class ReportKind(str, enum.Enum):
    REGULAR = "regular"  # the monthly schedule
    IRREGULAR = "irregular"  # triggered by an event


class ReportStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # locked for the author; waiting for review
    RETURNED = "returned"  # sent back for correction; editable again
    REVIEWED = "reviewed"  # final


class ReportChannel(str, enum.Enum):
    """How a report came in: typed in on the web, or sent by another system with an API token."""

    WEB = "web"
    API = "api"


class InspectionReport(db.Model):
    __tablename__ = "inspection_reports"
    __table_args__ = (
        # An API report names its token; a web report names none.
        CheckConstraint("(channel = 'api') = (api_token_id IS NOT NULL)", name="channel_token"),
        # One regular report per loan and month: `regular_month` is set only for regular reports
        # (NULLs never collide, on SQLite and PostgreSQL alike), so two concurrent creates yield one report.
        UniqueConstraint("loan_id", "regular_month", name="uq_inspection_reports_regular_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # the loan's, at filing
    kind: Mapped[ReportKind] = mapped_column(_enum(ReportKind))
    inspection_date: Mapped[date] = mapped_column(Date, index=True)
    # The first day of the inspection date's month for a regular report, NULL otherwise (services.regular_month).
    regular_month: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.DRAFT)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(Text, default="")  # for irregular inspections: what happened
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on every change: a save based on a stale page is refused instead of overwriting.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The channel the report was created through (services.Channel); kept for the record.
    channel: Mapped[ReportChannel] = mapped_column(_enum(ReportChannel), default=ReportChannel.WEB,
                                                   server_default=ReportChannel.WEB.value)
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    # The API's record of that token (trainer.api.models.ApiToken), named by string: a report refers to the
    # API's tokens without the inspections importing the API, which files reports through them.
    api_token = relationship("ApiToken", lazy="select", viewonly=True)

    areas: Mapped[list[AreaFinding]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                    order_by="AreaFinding.position")
    signals: Mapped[list[RaisedSignal]] = relationship(lazy="raise", cascade="all, delete-orphan")


class AreaFinding(db.Model):
    """One of the eight areas of an inspection: what was found, a rating, notes."""

    __tablename__ = "area_findings"
    __table_args__ = (UniqueConstraint("report_id", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("inspection_reports.id"))
    area: Mapped[str] = mapped_column(String(40))  # fund_use, macro_environment, ...
    position: Mapped[int] = mapped_column(Integer)
    finding: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[str | None] = mapped_column(String(16))  # normal | watch | concern | serious
    # Why the worst rating was given when no warning signal of the area backs it (services._check).
    rating_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class RaisedSignal(db.Model):
    """A risk warning signal raised in a report, from the catalogue."""

    __tablename__ = "raised_signals"
    __table_args__ = (UniqueConstraint("report_id", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("inspection_reports.id"))
    signal: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(16))  # copied from the catalogue when raised
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[bool | None] = mapped_column(Boolean)  # the reviewing supervisor's judgement


class ReviewDecision(str, enum.Enum):
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Review(db.Model):
    """A supervisor's review of one submission of a report. A returned report
    resubmitted gets a new review; earlier ones stay as history."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("inspection_reports.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[ReviewDecision] = mapped_column(_enum(ReviewDecision))
    opinion: Mapped[str] = mapped_column(Text)
    return_reasons: Mapped[str] = mapped_column(Text, default="")
    scores: Mapped[dict] = mapped_column(JSON)  # rubric criterion -> 0..max
    quality_score: Mapped[int] = mapped_column(Integer)  # 0..100 with the rubric's weights
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportVersion(db.Model):
    """An immutable snapshot of a report as it was when a supervisor returned it for correction,
    numbered 1, 2, ... per report. `snapshot` holds every field, area, signal and the review's ratings."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("inspection_reports.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))  # the review that returned it
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportAttachment(db.Model):
    """Evidence attached to a report. The file lives under the uploads directory with a random name."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("inspection_reports.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, cleaned; shown and offered on download
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; never derived from the upload
    content_type: Mapped[str] = mapped_column(String(40))  # from the file's first bytes, not its name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewDelegation(db.Model):
    """A supervisor away from `starts_on` to `ends_on` (inclusive) hands their reviews to another
    supervisor of the same department. Cancelled delegations keep their row (`cancelled_at`)."""

    __tablename__ = "review_delegations"
    __table_args__ = (CheckConstraint("delegator_id <> delegate_id", name="not_to_self"),
                      CheckConstraint("starts_on <= ends_on", name="date_order"))

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


protect(ReportVersion.__table__)  # what a supervisor returned is evidence: never changed afterwards
