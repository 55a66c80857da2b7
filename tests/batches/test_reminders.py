"""Reminders before the due date: queued in the outbox once per member and stage, delivered by its worker
to a real SMTP server on localhost."""
from __future__ import annotations

from datetime import timedelta

from trainer.people.models import Role
from trainer.batches.reminders import queue_batch_reminders
from trainer.extensions import db
from trainer.notifications.outbox import deliver_pending
from trainer.timeutil import utcnow

from tests import factories
from tests.batches.helpers import DUE, START, at, batch_of
from tests.factories import read_modules, sit


def remind(now) -> int:
    """A run as the command does it (queue, commit), then the worker's round; how many were queued."""
    queued = queue_batch_reminders(now).queued
    db.session.commit()
    deliver_pending()
    return queued


def reminders(smtp_server) -> list:
    """The batch reminders received (joining the batch sends its own message first)."""
    return [mail for mail in smtp_server.received if mail.message["Subject"].startswith(("Reminder", "Recordatorio"))]


def test_members_who_have_not_passed_get_one_email_per_stage_in_their_language(ctx, smtp_server):
    factories.load_content()
    hr = factories.user(Role.HR)
    spanish, english, passer = factories.user(locale="es"), factories.user(locale="en"), factories.user()
    read_modules(passer, "inspector")
    batch_of(hr, [spanish, english, passer])
    sit(passer, "inspector", at(START + timedelta(days=1)))

    assert remind(at(DUE - timedelta(days=8))) == 0  # too early
    assert remind(at(DUE - timedelta(days=7))) == 2
    spanish_mail, english_mail = reminders(smtp_server)
    assert spanish_mail.recipients == [spanish.email] and english_mail.recipients == [english.email]
    assert spanish_mail.message["Subject"] == "Recordatorio: la formación «Spring inspectors» finaliza el 20 de mayo de 2025"
    assert "quedan 7 días" in spanish_mail.body
    assert "Inspector/a post-préstamo" in spanish_mail.body
    assert "https://trainer.bank.example.com/exams/" in spanish_mail.body
    assert english_mail.message["Subject"] == 'Reminder: training batch "Spring inspectors" is due on May 20, 2025'
    assert "7 days to go" in english_mail.body

    assert remind(at(DUE - timedelta(days=5))) == 0  # the 7-day stage is done
    assert remind(at(DUE - timedelta(days=1))) == 2
    assert "1 day to go" in reminders(smtp_server)[-1].body
    assert remind(at(DUE)) == 0
    assert remind(at(DUE + timedelta(days=1))) == 0
    assert len(reminders(smtp_server)) == 4
    assert passer.email not in {mail.recipients[0] for mail in reminders(smtp_server)}


def test_a_refused_address_is_queued_once_and_the_worker_retries_it(ctx, smtp_server):
    factories.load_content()
    hr = factories.user(Role.HR)
    person = factories.user(locale="en")
    batch_of(hr, [person])
    smtp_server.refuse.add(person.email)

    assert remind(at(DUE - timedelta(days=7))) == 1
    assert remind(at(DUE - timedelta(days=6))) == 0  # the stage is claimed; the outbox keeps the message
    smtp_server.refuse.clear()

    assert deliver_pending(now=lambda: utcnow() + timedelta(hours=2)).sent == 2  # joining, and the reminder
    assert [mail.recipients for mail in reminders(smtp_server)] == [[person.email]]


def test_cli_command_runs(ctx, smtp_server, runner):
    result = runner.invoke(args=["trainer", "batch-reminders"])
    assert result.exit_code == 0 and "Queued 0 batch reminder(s)" in result.output
