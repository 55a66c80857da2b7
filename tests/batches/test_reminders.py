"""Reminders before the due date, sent to a real SMTP server on localhost."""
from __future__ import annotations

from datetime import timedelta

from trainer.auth.models import Role
from trainer.batches.reminders import send_batch_reminders

from tests import factories
from tests.batches.helpers import DUE, START, at, batch_of
from tests.factories import read_modules, sit


def test_members_who_have_not_passed_get_one_email_per_stage_in_their_language(ctx, smtp_server, runner):
    factories.load_content()
    hr = factories.user(Role.HR)
    spanish, english, passer = factories.user(locale="es"), factories.user(locale="en"), factories.user()
    read_modules(passer, "inspector")
    batch_of(hr, [spanish, english, passer])
    sit(passer, "inspector", at(START + timedelta(days=1)))

    assert send_batch_reminders(at(DUE - timedelta(days=8))).sent == 0  # too early
    week_before = send_batch_reminders(at(DUE - timedelta(days=7)))
    assert (week_before.sent, week_before.failed) == (2, 0)
    (es_mail,) = smtp_server.to(spanish.email)
    assert es_mail.message["Subject"] == "Formación «Spring inspectors»: fecha límite el 20 de mayo de 2025"
    assert "Inspector/a post-préstamo" in es_mail.body and "https://trainer.bank.example.com/exams/" in es_mail.body
    (en_mail,) = smtp_server.to(english.email)
    assert en_mail.message["Subject"] == 'Training batch "Spring inspectors": due on May 20, 2025'
    assert not smtp_server.to(passer.email)

    assert send_batch_reminders(at(DUE - timedelta(days=5))).sent == 0  # the 7-day stage is done
    assert send_batch_reminders(at(DUE - timedelta(days=1))).sent == 2
    assert send_batch_reminders(at(DUE)).sent == 0
    assert send_batch_reminders(at(DUE + timedelta(days=1))).sent == 0
    assert len(smtp_server.received) == 4


def test_a_refused_address_is_retried_next_run(ctx, smtp_server):
    factories.load_content()
    hr = factories.user(Role.HR)
    person = factories.user(locale="en")
    batch_of(hr, [person])
    smtp_server.refuse.add(person.email)
    assert send_batch_reminders(at(DUE - timedelta(days=7))).failed == 1
    smtp_server.refuse.clear()
    assert send_batch_reminders(at(DUE - timedelta(days=6))).sent == 1


def test_cli_command_runs(ctx, smtp_server, runner):
    result = runner.invoke(args=["trainer", "batch-reminders"])
    assert result.exit_code == 0 and "Sent 0 batch reminder(s)" in result.output
