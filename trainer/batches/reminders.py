"""Reminders before a batch's due date: one email per member and stage, never twice.

Stages are days before the due date (REMINDER_DAYS). A run queues, for each
member who has not passed, the most urgent stage that applies today, once: the
unique (batch, member, stage) row is the claim, taken in the same transaction
as the outbox message (trainer.notifications.outbox), whose worker sends it in
the member's language and retries failures. The caller (the command) commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trainer.batches import services
from trainer.batches.models import BatchReminderSent, TrainingBatch
from trainer.certification import services as certification
from trainer.extensions import db
from trainer.formatting import long_day
from trainer.notifications.outbox import enqueue
from trainer.timeutil import utcnow

# Days before the due date on which members who have not passed are reminded.
REMINDER_DAYS = (7, 1)
EXAMS_LINK = "/exams/"


@dataclass
class BatchReminderReport:
    queued: int = 0
    reminders: list[tuple[int, int, int]] = field(default_factory=list)  # (batch, user, days before)


def stage_for(days_left: int) -> int | None:
    """The most urgent stage reached with `days_left` days to go (None: too early or past due)."""
    reached = [days for days in REMINDER_DAYS if 0 <= days_left <= days]
    return min(reached) if reached else None


def queue_batch_reminders(now: datetime | None = None) -> BatchReminderReport:
    """Queue the reminders due at `now` in the outbox (the caller commits)."""
    now = now or utcnow()
    today = certification.today(now)
    report = BatchReminderReport()
    batches = db.session.scalars(select(TrainingBatch).where(
        TrainingBatch.due_on >= today, TrainingBatch.starts_on <= today)).all()
    for batch in batches:
        stage = stage_for((batch.due_on - today).days)
        if stage is None:
            continue
        claimed = set(db.session.scalars(select(BatchReminderSent.user_id).where(
            BatchReminderSent.batch_id == batch.id, BatchReminderSent.days_before == stage)))
        for result in services.results(batch, today):
            person = result.person
            if result.result == services.PASSED or not person.active or person.id in claimed:
                continue
            if not _claim(batch.id, person.id, stage, now):
                continue  # another run has it
            enqueue("batch_reminder", person, {
                "batch": batch.name, "days": stage,
                "qualification": certification.definition(batch.qualification).title,
                "due_on": lambda language, day=batch.due_on: long_day(day, language),
            }, link=EXAMS_LINK, now=now)
            report.queued += 1
            report.reminders.append((batch.id, person.id, stage))
    return report


def _claim(batch_id: int, user_id: int, days_before: int, now: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(BatchReminderSent(batch_id=batch_id, user_id=user_id, days_before=days_before, sent_at=now))
    except IntegrityError:
        return False
    return True
