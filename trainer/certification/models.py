from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class CertificateStatus(str, enum.Enum):
    """Stored state. "expiring" and "expired" follow from the dates (see services.state_on)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Certificate(db.Model):
    """One grant of a qualification: by a first pass, a renewal or a reinstatement.

    A suspended or revoked certificate never becomes active again: passing the
    exam afterwards issues a new one. So a certificate's history is simple: valid
    from `valid_from` to `expires_on`, unless `ended_at` cut it short.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(40))
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(CertificateStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]))
    valid_from: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)  # last valid day
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("exam_attempts.id"), unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    # Public verification: an unguessable code in the URL, and a salt for the badge's hashed email.
    verify_code: Mapped[str] = mapped_column(String(64), unique=True)
    badge_salt: Mapped[str] = mapped_column(String(32))


class EventKind(str, enum.Enum):
    GRANTED = "granted"
    RENEWED = "renewed"
    REINSTATED = "reinstated"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRING = "expiring"  # noted by the reminders job when the renewal window opens
    EXPIRED = "expired"  # noted by the reminders job
    LIFTED = "lifted"  # a suspension lifted after an investigation cleared the person (two HR/admin people)


class CertificationEvent(db.Model):
    """Who changed a person's qualification, when and why. Append-only."""

    __tablename__ = "certification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(40))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    kind: Mapped[EventKind] = mapped_column(
        Enum(EventKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    reason: Mapped[str] = mapped_column(Text, default="")
    # What caused it, when it was not a person's form: an attempt, later a ledger entry.
    source: Mapped[str | None] = mapped_column(String(80))


class ReminderSent(db.Model):
    """One email per certificate and stage, never twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("certificate_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    stage: Mapped[str] = mapped_column(String(16))  # expiring | expired
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiftStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SuspensionLift(db.Model):
    """A request to lift a suspension because an investigation cleared the person.

    One HR/admin person asks, with a reason; a second, different one approves or
    rejects it. Only an approval reinstates the suspended certificates (see
    certification/lifts.py). At most one request per person and qualification waits at a time.
    """

    __tablename__ = "suspension_lifts"
    __table_args__ = (
        Index("uq_suspension_lifts_pending", "user_id", "qualification", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(40))
    suspension_event_id: Mapped[int] = mapped_column(ForeignKey("certification_events.id"))  # the suspension lifted
    reason: Mapped[str] = mapped_column(Text)  # what the investigation found
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[LiftStatus] = mapped_column(
        Enum(LiftStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=LiftStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
