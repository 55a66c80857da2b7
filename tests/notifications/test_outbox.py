"""The transactional outbox: written with the change, delivered by the worker to a real SMTP server."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.nodes import free_port
from tests.concurrency import run_concurrently
from trainer.people.models import Role
from trainer.extensions import db
from trainer.notifications.models import Notification, OutboxMessage, OutboxStatus
from trainer.notifications.outbox import deliver_pending, enqueue, mark_read, unread_for
from trainer.timeutil import utcnow

CONTEXT = {"modules": ["Early warning"], "reason": "Sanction"}


def test_enqueue_is_part_of_the_callers_transaction(ctx, smtp_server):
    person = factories.user(locale="en")
    enqueue("reread_assignment", person, CONTEXT, link="/modules/early-warning")
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None
    assert db.session.scalar(select(Notification)) is None

    enqueue("reread_assignment", person, CONTEXT, link="/modules/early-warning")
    db.session.commit()
    assert smtp_server.received == []  # nothing is sent before the worker runs
    report = deliver_pending()
    assert report.sent == 1
    [mail] = smtp_server.to(person.email)
    assert mail.message["Subject"] == "Please read again: Early warning"
    assert "https://trainer.bank.example.com/modules/early-warning" in mail.body
    assert f"Hello {person.full_name}" in mail.body
    row = db.session.scalar(select(OutboxMessage))
    assert row.status is OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1
    assert deliver_pending().sent == 0  # sent once


def test_message_speaks_the_recipients_language_and_shows_on_the_dashboard(ctx, smtp_server):
    spanish, english = factories.user(locale="es"), factories.user(locale="en")
    for person in (spanish, english):
        enqueue("reread_assignment", person, CONTEXT, link="/modules/x")
    db.session.commit()
    deliver_pending()
    assert smtp_server.to(spanish.email)[0].message["Subject"] == "Vuelva a leer: Early warning"
    assert "Estimado/a" in smtp_server.to(spanish.email)[0].body
    rows, count = unread_for(english.id)
    assert count == 1 and rows[0].subject.startswith("Please read") and rows[0].link == "/modules/x"
    assert mark_read(english.id, rows[0].id) == 1
    assert unread_for(english.id) == ([], 0)
    assert unread_for(spanish.id)[1] == 1
    assert mark_read(english.id, unread_for(spanish.id)[0][0].id) == 0  # not someone else's


def test_a_bare_address_gets_the_default_language_and_no_dashboard_row(ctx, smtp_server):
    enqueue("reread_assignment", "risk@bank.example.com", CONTEXT)
    db.session.commit()
    deliver_pending()
    assert smtp_server.to("risk@bank.example.com")[0].message["Subject"].startswith("Vuelva a leer")
    assert db.session.scalar(select(Notification)) is None


def test_dedupe_key_sends_once(ctx, smtp_server):
    person = factories.user()
    assert enqueue("reread_assignment", person, CONTEXT, dedupe_key="k1") is not None
    assert enqueue("reread_assignment", person, CONTEXT, dedupe_key="k1") is None
    db.session.commit()
    assert deliver_pending().sent == 1


def test_failures_are_retried_with_backoff_then_given_up(ctx, smtp_server):
    ctx.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_SECONDS=60)
    person = factories.user()
    smtp_server.refuse.add(person.email)
    enqueue("reread_assignment", person, CONTEXT)
    db.session.commit()
    start = utcnow()
    report = deliver_pending(now=lambda: start)
    assert (report.sent, report.retried) == (0, 1)
    row = db.session.scalar(select(OutboxMessage))
    db.session.refresh(row)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1 and "550" in row.last_error
    assert deliver_pending(now=lambda: start + timedelta(seconds=59)).retried == 0  # not yet due
    assert deliver_pending(now=lambda: start + timedelta(seconds=61)).retried == 1  # second try
    db.session.refresh(row)
    assert row.attempts == 2
    assert deliver_pending(now=lambda: start + timedelta(seconds=61 + 119)).retried == 0  # backoff doubled
    report = deliver_pending(now=lambda: start + timedelta(seconds=61 + 121))
    assert report.failed == 1
    db.session.refresh(row)
    assert row.status is OutboxStatus.FAILED and row.attempts == 3 and "550" in row.last_error
    assert deliver_pending(now=lambda: start + timedelta(days=1)).failed == 0  # given up for good


def test_a_server_that_is_down_leaves_the_message_pending(ctx, smtp_server):
    port = ctx.config["SMTP_PORT"]
    ctx.config["SMTP_PORT"] = free_port()
    person = factories.user()
    enqueue("reread_assignment", person, CONTEXT)
    db.session.commit()
    start = utcnow()
    assert deliver_pending(now=lambda: start).retried == 1
    ctx.config["SMTP_PORT"] = port
    assert deliver_pending(now=lambda: start + timedelta(minutes=2)).sent == 1
    assert len(smtp_server.to(person.email)) == 1


def test_an_expired_lease_is_taken_over(ctx, smtp_server):
    """A worker that died after claiming: its lease runs out and the message is sent by another."""
    from trainer.notifications.outbox import LEASE_SECONDS, claim

    person = factories.user()
    enqueue("reread_assignment", person, CONTEXT)
    db.session.commit()
    start = utcnow()
    assert len(claim(start)) == 1  # and then the worker dies
    assert deliver_pending(now=lambda: start + timedelta(seconds=10)).sent == 0
    assert deliver_pending(now=lambda: start + timedelta(seconds=LEASE_SECONDS + 1)).sent == 1


def test_two_workers_racing_send_each_message_once(app, smtp_server):
    with app.app_context():
        people = [factories.user() for _ in range(3)]
        for n in range(36):
            enqueue("reread_assignment", people[n % 3], {**CONTEXT, "modules": [f"Module {n}"]})
        db.session.commit()

    results, errors = run_concurrently(app, 3, deliver_pending)
    assert errors == []
    assert sum(r.sent for r in results) == 36
    subjects = [mail.message["Subject"] for mail in smtp_server.received]
    assert len(subjects) == 36 and len(set(subjects)) == 36
    with app.app_context():
        statuses = set(db.session.scalars(select(OutboxMessage.status)))
        assert statuses == {OutboxStatus.SENT}


def test_cli_delivers(app, runner, smtp_server):
    with app.app_context():
        enqueue("reread_assignment", factories.user(Role.HR), CONTEXT)
        db.session.commit()
    result = runner.invoke(args=["trainer", "deliver-notifications"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(smtp_server.received) == 1
