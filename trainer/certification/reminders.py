"""Renewal and expiry reminders: one email per certificate and stage, never twice.

A run finds the due reminders in a fixed number of queries, then for each one
claims its `ReminderSent` row before sending. The unique (certificate, stage)
row is the lock: two overlapping runs cannot both claim it. A failed send
gives the claim back so the next run retries; a run killed between claim and
send loses that email rather than risking a duplicate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import current_app, render_template
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from trainer.auth.models import User
from trainer.certification import services
from trainer.certification.definitions import Qualification
from trainer.certification.models import Certificate, CertificateStatus, CertificationEvent, EventKind, ReminderSent
from trainer.extensions import db
from trainer.notifications.mail import MailError, send_mail
from trainer.timeutil import utcnow

EXPIRING, EXPIRED = services.EXPIRING, services.EXPIRED
EVENTS = {
    EXPIRING: (EventKind.EXPIRING, "renewal window opened"),
    EXPIRED: (EventKind.EXPIRED, "qualification expired"),
}
EVENT_SOURCE = "reminders"
# Per language, like the bodies in templates/email/: the person's language, not the request's.
SUBJECTS = {
    (EXPIRING, "es"): "La habilitación «{qualification}» caduca el {expires_on}",
    (EXPIRING, "en"): "Your {qualification} qualification expires on {expires_on}",
    (EXPIRED, "es"): "La habilitación «{qualification}» ha caducado",
    (EXPIRED, "en"): "Your {qualification} qualification has expired",
}


@dataclass
class ReminderReport:
    sent: int = 0
    failed: int = 0
    delivered: list[tuple[int, str]] = field(default_factory=list)  # (certificate id, stage)
    errors: list[str] = field(default_factory=list)  # "address: reason", for the log


@dataclass(frozen=True)
class DueReminder:
    certificate: Certificate
    qualification: Qualification
    stage: str
    email: str
    full_name: str
    locale: str
    event_recorded: bool  # an earlier run that failed to send already noted the stage


def send_reminders(now: datetime | None = None) -> ReminderReport:
    now = now or utcnow()
    report = ReminderReport()
    for due in due_reminders(now):
        subject, body = compose(due)  # before the claim: a template error must not lose the email
        if not _claim(due, now):
            continue  # another run has it
        try:
            send_mail(due.email, subject, body)
        except MailError as error:
            _release(due)
            report.failed += 1
            report.errors.append(str(error))
            current_app.logger.warning("Reminder for certificate %s not sent: %s", due.certificate.id, error)
        else:
            report.sent += 1
            report.delivered.append((due.certificate.id, due.stage))
    return report


def due_reminders(now: datetime) -> list[DueReminder]:
    """Reminders not yet sent for latest, active certificates of active people (four queries)."""
    day = services.today(now)
    qualifications = services.definitions()
    horizon = day + timedelta(days=max((q.renewal_window_days for q in qualifications.values()), default=0))
    expired_reminded = exists().where(ReminderSent.certificate_id == Certificate.id, ReminderSent.stage == EXPIRED)
    # Renewed certificates stay "active" and are never reminded: skip them here, or every
    # renewal would keep its holder in this list for good. latest_certificates() decides ties.
    newer = aliased(Certificate)
    superseded = exists().where(newer.user_id == Certificate.user_id, newer.qualification == Certificate.qualification,
                                newer.valid_from > Certificate.valid_from)
    near_expiry = select(Certificate.user_id).where(
        Certificate.status == CertificateStatus.ACTIVE, Certificate.expires_on <= horizon, ~expired_reminded,
        ~superseded)
    people = {row.id: row for row in db.session.execute(
        select(User.id, User.email, User.full_name, User.locale).where(User.active.is_(True), User.id.in_(near_expiry)))}

    candidates = []
    for (_user_id, code), cert in services.latest_certificates(list(people)).items():
        qualification = qualifications.get(code)
        if qualification is None or cert.status is not CertificateStatus.ACTIVE:
            continue
        stage = services.state_on(cert, day, qualification.renewal_window_days)
        if stage in EVENTS:
            candidates.append((cert, qualification, stage))
    reminded, recorded = _already_done([cert.id for cert, _, _ in candidates])
    db.session.commit()  # end the read transaction before the claims

    due = []
    for cert, qualification, stage in sorted(candidates, key=lambda c: c[0].id):
        if (cert.id, stage) in reminded:
            continue
        person = people[cert.user_id]
        due.append(DueReminder(cert, qualification, stage, person.email, person.full_name,
                               language_for(person.locale), (cert.id, EVENTS[stage][0]) in recorded))
    return due


def _already_done(cert_ids: list[int]) -> tuple[set[tuple[int, str]], set[tuple[int, EventKind]]]:
    """(certificate, stage) already claimed, and (certificate, kind) already in the history."""
    if not cert_ids:
        return set(), set()
    reminded = {tuple(row) for row in db.session.execute(
        select(ReminderSent.certificate_id, ReminderSent.stage).where(ReminderSent.certificate_id.in_(cert_ids)))}
    recorded = {tuple(row) for row in db.session.execute(
        select(CertificationEvent.certificate_id, CertificationEvent.kind).where(
            CertificationEvent.certificate_id.in_(cert_ids),
            CertificationEvent.kind.in_([kind for kind, _ in EVENTS.values()])))}
    return reminded, recorded


def compose(due: DueReminder) -> tuple[str, str]:
    """Subject and body, in the person's language."""
    values = {
        "name": due.full_name,
        "qualification": due.qualification.title(due.locale),
        "expires_on": long_date(due.certificate.expires_on, due.locale),
        "renew_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/exams/",
    }
    subject = SUBJECTS[(due.stage, due.locale)].format(**values)
    return subject, render_template(f"email/reminder_{due.stage}.{due.locale}.txt", **values)


def _claim(due: DueReminder, now: datetime) -> bool:
    """Take the (certificate, stage) row, and note the stage in the history the first time."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderSent(certificate_id=due.certificate.id, stage=due.stage, sent_at=now))
    except IntegrityError:
        db.session.commit()  # ends the transaction (and SQLite's write lock); nothing else is pending
        return False
    if not due.event_recorded:
        kind, reason = EVENTS[due.stage]
        db.session.add(CertificationEvent(
            user_id=due.certificate.user_id, qualification=due.certificate.qualification,
            certificate_id=due.certificate.id, kind=kind, actor_id=None, reason=reason,
            source=EVENT_SOURCE, at=now))
    db.session.commit()
    return True


def _release(due: DueReminder) -> None:
    """Give the claim back so the next run retries; the history event stays."""
    db.session.execute(delete(ReminderSent).where(
        ReminderSent.certificate_id == due.certificate.id, ReminderSent.stage == due.stage))
    db.session.commit()


def language_for(locale: str | None) -> str:
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def long_date(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=locale)
