from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db


class Escalation(db.Model):
    """A high-severity warning signal raised in a submitted report, escalated at once to the
    department's supervisors and risk management; acknowledged, then followed up. One per
    report and signal: a report returned and resubmitted does not escalate the same signal again."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("report_id", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("inspection_reports.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # the report's
    signal: Mapped[str] = mapped_column(String(60))  # catalogue code
    severity: Mapped[str] = mapped_column(String(16))  # as raised
    note: Mapped[str] = mapped_column(Text, default="")  # what the inspector saw, as submitted
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action_taken: Mapped[str] = mapped_column(Text, default="")
    action_on: Mapped[date | None] = mapped_column(Date)  # the bank day the action was taken
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chase_count: Mapped[int] = mapped_column(Integer, default=0)
    last_chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def state(self) -> str:
        if self.followed_up_at is not None:
            return "followed_up"
        return "acknowledged" if self.acknowledged_at is not None else "open"
