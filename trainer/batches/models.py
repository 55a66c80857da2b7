from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class TrainingBatch(db.Model):
    """People trained together toward one qualification, assessed by its exam sat
    between `starts_on` and `due_on` (both bank days, inclusive)."""

    __tablename__ = "training_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    qualification: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    module_rows: Mapped[list[TrainingBatchModule]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def module_ids(self) -> list[int]:
        return sorted(row.module_id for row in self.module_rows)


class TrainingBatchModule(db.Model):
    """A module the batch must read (by default those of its qualification)."""

    __tablename__ = "training_batch_modules"

    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)


class TrainingBatchMember(db.Model):
    __tablename__ = "training_batch_members"

    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BatchReminderSent(db.Model):
    """One reminder per batch, member and stage (days before the due date), never twice."""

    __tablename__ = "batch_reminders_sent"
    __table_args__ = (UniqueConstraint("batch_id", "user_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
