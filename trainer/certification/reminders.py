"""Renewal and expiry reminders: one email per certificate and stage, never twice.

A run finds the due reminders in a fixed number of queries, then for each one
takes its `ReminderSent` row and queues the email in the outbox
(trainer.notifications.outbox), in the same transaction. The unique
(certificate, stage) row is the claim: two overlapping runs cannot both queue
a reminder. The outbox's worker (`trainer deliver-notifications`) sends it in
the person's language and retries an unreachable server or a refused address;
the person's dashboard lists it too. The caller (the command) commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload

from trainer.people.models import User
from trainer.certification import services
from trainer.certification.definitions import Qualification
from trainer.certification.models import Certificate, CertificateStatus, CertificationEvent, EventKind, ReminderSent
from trainer.extensions import db
from trainer.formatting import long_day
from trainer.notifications.outbox import enqueue
from trainer.timeutil import utcnow

EXPIRING, EXPIRED = services.EXPIRING, services.EXPIRED
EVENTS = {
    EXPIRING: (EventKind.EXPIRING, "renewal window opened"),
    EXPIRED: (EventKind.EXPIRED, "qualification expired"),
}
EVENT_SOURCE = "reminders"
RENEW_LINK = "/exams/"


@dataclass
class ReminderReport:
    queued: int = 0
    reminders: list[tuple[int, str]] = field(default_factory=list)  # (certificate id, stage)


@dataclass(frozen=True)
class DueReminder:
    certificate: Certificate
    qualification: Qualification
    stage: str
    person: User
    event_recorded: bool  # the stage is already in the certificate's history


def queue_reminders(now: datetime | None = None) -> ReminderReport:
    """Queue every reminder due at `now` in the outbox (the caller commits)."""
    now = now or utcnow()
    report = ReminderReport()
    for due in due_reminders(now):
        if not _claim(due, now):
            continue  # another run has it
        expires_on = due.certificate.expires_on
        enqueue(f"reminder_{due.stage}", due.person, {
            "qualification": due.qualification.title,
            "expires_on": lambda language, day=expires_on: long_day(day, language),
        }, link=RENEW_LINK, now=now)
        report.queued += 1
        report.reminders.append((due.certificate.id, due.stage))
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
    people = {person.id: person for person in db.session.scalars(
        select(User).options(lazyload(User.role_rows))  # a reminder needs no roles
        .where(User.active.is_(True), User.id.in_(near_expiry)))}

    candidates = []
    for (_user_id, code), cert in services.latest_certificates(list(people)).items():
        qualification = qualifications.get(code)
        if qualification is None or cert.status is not CertificateStatus.ACTIVE:
            continue
        stage = services.state_on(cert, day, qualification.renewal_window_days)
        if stage in EVENTS:
            candidates.append((cert, qualification, stage))
    reminded, recorded = _already_done([cert.id for cert, _, _ in candidates])

    due = []
    for cert, qualification, stage in sorted(candidates, key=lambda c: c[0].id):
        if (cert.id, stage) in reminded:
            continue
        due.append(DueReminder(cert, qualification, stage, people[cert.user_id],
                               (cert.id, EVENTS[stage][0]) in recorded))
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


def _claim(due: DueReminder, now: datetime) -> bool:
    """Take the (certificate, stage) row, and note the stage in the history the first time."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderSent(certificate_id=due.certificate.id, stage=due.stage, sent_at=now))
    except IntegrityError:
        return False
    if not due.event_recorded:
        kind, reason = EVENTS[due.stage]
        db.session.add(CertificationEvent(
            user_id=due.certificate.user_id, qualification=due.certificate.qualification,
            certificate_id=due.certificate.id, kind=kind, actor_id=None, reason=reason,
            source=EVENT_SOURCE, at=now))
    return True
