"""Reminders before a batch's due date: one email per member and stage, never twice.

Stages are days before the due date (REMINDER_DAYS). A run sends, for each
member who has not passed, the most urgent stage that applies today, once; the
unique (batch, member, stage) row is the claim, as in
trainer/certification/reminders.py, whose mail helper and language rule we use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from trainer.batches import services
from trainer.batches.models import BatchReminderSent, TrainingBatch
from trainer.certification import services as certification
from trainer.certification.reminders import language_for, long_date
from trainer.extensions import db
from trainer.notifications.mail import MailError, send_mail
from trainer.timeutil import utcnow

# Days before the due date on which members who have not passed are reminded.
REMINDER_DAYS = (7, 1)
SUBJECTS = {
    "es": "Formación «{batch}»: fecha límite el {due_on}",
    "en": "Training batch \"{batch}\": due on {due_on}",
}


@dataclass
class BatchReminderReport:
    sent: int = 0
    failed: int = 0
    delivered: list[tuple[int, int, int]] = field(default_factory=list)  # (batch, user, days before)
    errors: list[str] = field(default_factory=list)


def stage_for(days_left: int) -> int | None:
    """The most urgent stage reached with `days_left` days to go (None: too early or past due)."""
    reached = [days for days in REMINDER_DAYS if 0 <= days_left <= days]
    return min(reached) if reached else None


def send_batch_reminders(now: datetime | None = None) -> BatchReminderReport:
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
            subject, body = compose(batch, person, stage)
            if not _claim(batch.id, person.id, stage, now):
                continue
            try:
                send_mail(person.email, subject, body)
            except MailError as error:
                _release(batch.id, person.id, stage)
                report.failed += 1
                report.errors.append(str(error))
                current_app.logger.warning("Batch reminder for %s not sent: %s", person.employee_no, error)
            else:
                report.sent += 1
                report.delivered.append((batch.id, person.id, stage))
    return report


def compose(batch: TrainingBatch, person, days_before: int) -> tuple[str, str]:
    locale = language_for(person.locale)
    values = {
        "name": person.full_name, "batch": batch.name, "days": days_before,
        "qualification": certification.definition(batch.qualification).title(locale),
        "due_on": long_date(batch.due_on, locale),
        "url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/exams/",
    }
    return SUBJECTS[locale].format(**values), render_template(f"email/batch_reminder.{locale}.txt", **values)


def _claim(batch_id: int, user_id: int, days_before: int, now: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(BatchReminderSent(batch_id=batch_id, user_id=user_id, days_before=days_before, sent_at=now))
    except IntegrityError:
        db.session.commit()
        return False
    db.session.commit()
    return True


def _release(batch_id: int, user_id: int, days_before: int) -> None:
    db.session.execute(delete(BatchReminderSent).where(
        BatchReminderSent.batch_id == batch_id, BatchReminderSent.user_id == user_id,
        BatchReminderSent.days_before == days_before))
    db.session.commit()
