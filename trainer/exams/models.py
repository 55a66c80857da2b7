from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class Question(db.Model):
    """A question's identity; its wording lives in versions."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    qid: Mapped[str] = mapped_column(String(40), unique=True)  # the stable id from the bank file
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # single | multiple | true_false
    tags: Mapped[list[str]] = mapped_column(JSON)
    current_version: Mapped[int] = mapped_column(Integer)  # QuestionVersion.version drawn from now on
    # A question removed from the bank is retired, never deleted: attempts point at it.
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class QuestionVersion(db.Model):
    """The exact text a person was shown. Never changed once written."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    # {"scenario": {es, en} | null, "text": {es, en}, "explanation": {es, en},
    #  "options": [{"id", "es", "en", "correct"}]}
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AttemptStatus(str, enum.Enum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


def _enum(kind: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class ExamAttempt(db.Model):
    __tablename__ = "exam_attempts"
    # At most one open attempt per person and qualification, even when two tabs press "start" at once.
    __table_args__ = (
        Index("uq_exam_attempts_one_open", "user_id", "qualification", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(40))
    status: Mapped[AttemptStatus] = mapped_column(_enum(AttemptStatus), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Kept by the server: time limit plus any extra-time accommodation.
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # With the "grace" policy: submission (not answering) is accepted until then.
    submit_until: Mapped[datetime] = mapped_column(UTCDateTime())
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Rules in force when the attempt started; later edits to the blueprint do not apply.
    pass_mark: Mapped[int] = mapped_column(Integer)
    review_policy: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(16))  # person | deadline
    question_count: Mapped[int] = mapped_column(Integer)
    correct_count: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)  # percent
    passed: Mapped[bool | None] = mapped_column(Boolean)

    items: Mapped[list[AttemptItem]] = relationship(
        lazy="raise", order_by="AttemptItem.position", cascade="all, delete-orphan")


class AttemptItem(db.Model):
    """One drawn question, frozen: which version, in which option order, and the answer."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based, in the shuffled order
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    option_order: Mapped[list[str]] = mapped_column(JSON)
    selected: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))  # SQL NULL = unanswered
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    correct: Mapped[bool | None] = mapped_column(Boolean)

    question_version: Mapped[QuestionVersion] = relationship(lazy="raise")


class Accommodation(db.Model):
    """Extra exam time HR grants a person (e.g. for a disability)."""

    __tablename__ = "accommodations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    extra_percent: Mapped[int] = mapped_column(Integer)  # 50 = half as much time again
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AllowanceKind(str, enum.Enum):
    EXTRA_ATTEMPT = "extra_attempt"  # one attempt beyond the blueprint's limit per window
    COOLDOWN_RESET = "cooldown_reset"  # the wait after the last failed attempt is waived


class ExamAllowance(db.Model):
    """An HR decision that lets one person start one qualification's exam sooner than the
    blueprint would: an extra attempt (used by the attempt that needed it) or a cooldown reset."""

    __tablename__ = "exam_allowances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(40))
    kind: Mapped[AllowanceKind] = mapped_column(_enum(AllowanceKind, 20))
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The attempt that used an extra attempt; empty while it is still available.
    used_by_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("exam_attempts.id"))
