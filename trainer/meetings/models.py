"""A credit staff meeting: when, who attended, the loans discussed, the warning
signals it confirmed or dismissed (each decision points at the signal as raised
in a report), and the credit manager's analysis."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class SignalDecision(str, enum.Enum):
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class CreditMeeting(db.Model):
    __tablename__ = "credit_meetings"
    # One record per department and day: a second save of the same meeting is refused, not duplicated.
    __table_args__ = (UniqueConstraint("department_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    analysis: Mapped[str] = mapped_column(Text)  # the credit manager's analysis of the clients discussed
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attendees: Mapped[list[MeetingAttendee]] = relationship(lazy="raise", cascade="all, delete-orphan")
    loans: Mapped[list[MeetingLoan]] = relationship(lazy="raise", cascade="all, delete-orphan")
    decisions: Mapped[list[MeetingSignalDecision]] = relationship(lazy="raise", cascade="all, delete-orphan")


class MeetingAttendee(db.Model):
    __tablename__ = "credit_meeting_attendees"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("credit_meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class MeetingLoan(db.Model):
    """A loan (client) the meeting discussed."""

    __tablename__ = "credit_meeting_loans"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("credit_meetings.id", ondelete="CASCADE"), primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True, index=True)


class MeetingSignalDecision(db.Model):
    """The meeting's decision on one warning signal raised in a report: it exists (confirmed) or not (dismissed)."""

    __tablename__ = "credit_meeting_signal_decisions"
    __table_args__ = (UniqueConstraint("meeting_id", "raised_signal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("credit_meetings.id", ondelete="CASCADE"), index=True)
    raised_signal_id: Mapped[int] = mapped_column(ForeignKey("raised_signals.id"), index=True)
    decision: Mapped[SignalDecision] = mapped_column(
        Enum(SignalDecision, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]))
    note: Mapped[str] = mapped_column(Text, default="")
