"""Renewal and expiry reminders: queued in the outbox once per stage, delivered by its worker to a real
SMTP server on localhost."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from trainer.certification import reminders, services
from trainer.certification.models import Certificate, CertificateStatus, CertificationEvent, EventKind, ReminderSent
from trainer.extensions import db
from trainer.notifications.models import Notification, OutboxMessage, OutboxStatus
from trainer.notifications.outbox import deliver_pending
from trainer.timeutil import utcnow

from tests import factories
from tests.nodes import free_port

# 10:00 in Madrid on 10 May 2025; the inspector renewal window is 60 days.
NOW = datetime(2025, 5, 10, 8, 0, tzinfo=timezone.utc)
TODAY = date(2025, 5, 10)


def certificate(person, expires_on: date, status=CertificateStatus.ACTIVE, valid_from: date | None = None,
                previous: Certificate | None = None) -> Certificate:
    """An inspector certificate of a year ending on `expires_on`."""
    return factories.certificate(person, valid_from or expires_on - timedelta(days=364), expires_on, status=status,
                                 previous=previous)


def remind(now: datetime) -> reminders.ReminderReport:
    """A reminders run as the command does it (queue, commit), then the outbox worker's round."""
    report = reminders.queue_reminders(now)
    db.session.commit()
    deliver_pending()
    return report


def claims() -> set[tuple[int, str]]:
    return set(db.session.execute(select(ReminderSent.certificate_id, ReminderSent.stage)))


def reminder_events() -> list[CertificationEvent]:
    return list(db.session.scalars(select(CertificationEvent).where(
        CertificationEvent.kind.in_([EventKind.EXPIRING, EventKind.EXPIRED])).order_by(CertificationEvent.id)))


def test_renewal_window_opening_sends_one_email_in_the_persons_language(ctx, smtp_server):
    spanish = factories.user(locale="es")
    english = factories.user(locale="en")
    unset = factories.user(locale=None)
    in_window = TODAY + timedelta(days=30)
    certs = {p.email: certificate(p, in_window) for p in (spanish, english, unset)}

    report = remind(NOW)

    assert report.queued == 3
    assert len(smtp_server.received) == 3
    (es_mail,) = smtp_server.to(spanish.email)
    assert es_mail.message["To"] == spanish.email
    assert es_mail.message["From"] == "Trainer <trainer@bank.example.com>"
    assert es_mail.message["Subject"] == "La habilitación «Inspector/a post-préstamo» caduca el 9 de junio de 2025"
    assert "9 de junio de 2025" in es_mail.body and spanish.full_name in es_mail.body
    assert "https://trainer.bank.example.com/exams/" in es_mail.body
    (en_mail,) = smtp_server.to(english.email)
    assert en_mail.message["Subject"] == "Your Post-loan inspector qualification expires on June 9, 2025"
    assert "June 9, 2025" in en_mail.body and "https://trainer.bank.example.com/exams/" in en_mail.body
    (default_mail,) = smtp_server.to(unset.email)
    assert default_mail.message["Subject"].startswith("La habilitación")
    assert claims() == {(cert.id, "expiring") for cert in certs.values()}
    dashboard = db.session.scalars(select(Notification).where(Notification.user_id == english.id)).all()
    assert [(n.kind, n.subject, n.link) for n in dashboard] == [
        ("reminder_expiring", "Your Post-loan inspector qualification expires on June 9, 2025", "/exams/")]

    again = remind(NOW + timedelta(days=1))
    assert again.queued == 0
    assert len(smtp_server.received) == 3


def test_window_opens_on_its_first_day_not_before(ctx, smtp_server):
    opens_today, opens_tomorrow = factories.user(), factories.user()
    certificate(opens_today, TODAY + timedelta(days=60))
    certificate(opens_tomorrow, TODAY + timedelta(days=61))

    assert remind(NOW).queued == 1
    assert [mail.recipients for mail in smtp_server.received] == [[opens_today.email]]


def test_expiry_sends_one_expired_email_after_the_expiring_one(ctx, smtp_server):
    person = factories.user(locale="en")
    cert = certificate(person, TODAY + timedelta(days=5))
    assert remind(NOW).queued == 1

    # 23:30 UTC on the expiry day is already the next day in Madrid.
    after_expiry = datetime(2025, 5, 15, 23, 30, tzinfo=timezone.utc)
    report = remind(after_expiry)

    assert report.reminders == [(cert.id, "expired")]
    expired_mail = smtp_server.received[-1]
    assert expired_mail.message["Subject"] == "Your Post-loan inspector qualification has expired"
    assert "May 15, 2025" in expired_mail.body
    assert claims() == {(cert.id, "expiring"), (cert.id, "expired")}
    assert remind(after_expiry + timedelta(days=30)).queued == 0
    assert len(smtp_server.received) == 2


def test_last_valid_day_is_still_expiring(ctx, smtp_server):
    person = factories.user(locale="en")
    certificate(person, date(2025, 5, 15))

    report = remind(datetime(2025, 5, 15, 21, 59, tzinfo=timezone.utc))  # 23:59 in Madrid

    assert report.queued == 1
    assert "expires on May 15, 2025" in smtp_server.received[0].message["Subject"]


def test_events_note_each_stage_once(ctx, smtp_server):
    person = factories.user()
    cert = certificate(person, TODAY + timedelta(days=10))
    remind(NOW)
    remind(NOW + timedelta(days=1))
    later = NOW + timedelta(days=11)
    remind(later)

    events = reminder_events()
    assert [(e.kind, e.reason, e.source, e.actor_id, e.certificate_id, e.user_id, e.qualification) for e in events] == [
        (EventKind.EXPIRING, "renewal window opened", "reminders", None, cert.id, person.id, "inspector"),
        (EventKind.EXPIRED, "qualification expired", "reminders", None, cert.id, person.id, "inspector"),
    ]
    assert [e.kind for e in services.events_for(person.id)] == [EventKind.EXPIRED, EventKind.EXPIRING]


def test_no_reminders_for_suspended_revoked_renewed_deactivated_or_not_yet_due(ctx, smtp_server):
    soon, gone = TODAY + timedelta(days=20), TODAY - timedelta(days=3)
    for status in (CertificateStatus.SUSPENDED, CertificateStatus.REVOKED):
        certificate(factories.user(), soon, status=status)
        certificate(factories.user(), gone, status=status)
    renewed = factories.user()
    old = certificate(renewed, soon)
    certificate(renewed, soon + timedelta(days=365), valid_from=soon + timedelta(days=1), previous=old)
    renewed_late = factories.user()
    lapsed = certificate(renewed_late, gone)
    certificate(renewed_late, TODAY + timedelta(days=364), valid_from=TODAY, previous=lapsed)
    active_then_suspended = factories.user()
    earlier = certificate(active_then_suspended, gone)
    certificate(active_then_suspended, soon, status=CertificateStatus.SUSPENDED, valid_from=TODAY - timedelta(days=1),
                previous=earlier)
    certificate(factories.user(active=False), soon)
    certificate(factories.user(), TODAY + timedelta(days=200))
    due = factories.user()
    certificate(due, soon)

    report = remind(NOW)

    assert report.queued == 1
    assert [mail.recipients for mail in smtp_server.received] == [[due.email]]
    assert len(reminder_events()) == 1


def test_a_server_that_is_down_delays_the_email_and_the_worker_sends_it_later(ctx, smtp_server):
    person = factories.user(locale="en")
    cert = certificate(person, TODAY + timedelta(days=30))
    server_port = ctx.config["SMTP_PORT"]
    ctx.config["SMTP_PORT"] = free_port()  # nothing listens there

    assert remind(NOW).queued == 1

    db.session.expire_all()  # the worker wrote with plain UPDATEs
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert (message.status, message.attempts, message.address) == (OutboxStatus.PENDING, 1, person.email)
    assert claims() == {(cert.id, "expiring")}
    assert remind(NOW + timedelta(hours=1)).queued == 0  # queued once: the outbox retries, not the reminders

    ctx.config["SMTP_PORT"] = server_port
    retried = deliver_pending(now=lambda: utcnow() + timedelta(hours=2))

    assert retried.sent == 1
    assert [mail.recipients for mail in smtp_server.received] == [[person.email]]
    assert len(reminder_events()) == 1


def test_a_refused_address_does_not_stop_the_others(ctx, smtp_server):
    refused, fine = factories.user(), factories.user()
    refused_cert = certificate(refused, TODAY + timedelta(days=30))
    fine_cert = certificate(fine, TODAY + timedelta(days=30))
    smtp_server.refuse.add(refused.email)

    report = reminders.queue_reminders(NOW)
    db.session.commit()
    delivery = deliver_pending()

    assert report.queued == 2
    assert (delivery.sent, delivery.retried) == (1, 1)
    assert [mail.recipients for mail in smtp_server.received] == [[fine.email]]
    assert claims() == {(refused_cert.id, "expiring"), (fine_cert.id, "expiring")}


def test_overlapping_runs_send_each_email_once(app, smtp_server, monkeypatch):
    with app.app_context():
        people = [factories.user() for _ in range(6)]
        for person in people:
            certificate(person, TODAY + timedelta(days=15))
        emails = sorted(p.email for p in people)
    both_found_them = threading.Barrier(2, timeout=20)
    find = reminders.due_reminders

    def find_then_wait(now):
        found = find(now)
        both_found_them.wait()  # so both runs try to claim every reminder
        return found

    monkeypatch.setattr(reminders, "due_reminders", find_then_wait)
    reports, errors = [], []

    def run():
        try:
            with app.app_context():
                reports.append(reminders.queue_reminders(NOW))
                db.session.commit()
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(r.queued for r in reports) == 6
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 6
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 6
        assert len(reminder_events()) == 6
        deliver_pending()
    assert sorted(r for mail in smtp_server.received for r in mail.recipients) == emails


def test_finding_reminders_takes_the_same_queries_for_one_or_many(app, smtp_server, count_queries):
    def selects_for_run(new_certificates: int) -> int:
        with app.app_context():
            for _ in range(new_certificates):
                certificate(factories.user(), TODAY + timedelta(days=30))
        with count_queries() as queries, app.app_context():
            assert reminders.queue_reminders(NOW).queued == new_certificates
            db.session.commit()
        return sum(1 for q in queries if q.lstrip().upper().startswith("SELECT"))

    one = selects_for_run(1)
    many = selects_for_run(8)
    assert one == many <= 4


def test_command_prints_the_counts(app, smtp_server, runner):
    with app.app_context():
        person = factories.user()
        certificate(person, services.today() + timedelta(days=30))
        email = person.email

    result = runner.invoke(args=["trainer", "send-reminders"])

    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder(s)" in result.output
    assert smtp_server.received == []  # the worker sends it
    delivered = runner.invoke(args=["trainer", "deliver-notifications"])
    assert delivered.exit_code == 0, delivered.output
    assert [mail.recipients for mail in smtp_server.received] == [[email]]
