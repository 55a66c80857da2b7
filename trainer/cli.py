"""`flask trainer …` commands."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from trainer.extensions import db
from trainer.sourcefiles import SourceInvalid
from trainer.transactions import unit_of_work

trainer_cli = AppGroup("trainer", help="Run trainer's maintenance tasks.")


@trainer_cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade()
    click.echo(f"Database at the latest schema: {db.engine.url.render_as_string(hide_password=True)}")


@trainer_cli.command("check-content")
def check_content() -> None:
    """Validate content/ and question_bank/ without touching the database."""
    from trainer.library import read_all

    try:
        sources = read_all()
    except SourceInvalid as error:
        _fail(error)
    click.echo(f"OK: {len(sources.modules)} modules in es and en, {len(sources.questions)} questions, "
               f"{len(sources.qualifications)} qualifications.")
    _echo_bank_report(sources)


def _echo_bank_report(sources) -> None:
    """What check-content judges in the bank (it fails when any is wrong), shown even when they pass:
    answer-length cues, undrawable questions, area coverage of every exam."""
    from trainer.exams.bank import LENGTH_CUE_MARGIN, uncovered_areas, length_cues
    from trainer.library import inspection_areas

    click.echo(f"Answer-length cues (limit: chance + {LENGTH_CUE_MARGIN} points):")
    for cues in length_cues(sources.questions):
        click.echo(f"  {cues}")
    click.echo("Undrawable questions: none (every question can be drawn by some exam).")
    areas = inspection_areas()
    for code, missing in uncovered_areas(sources.qualifications, areas).items():
        click.echo(f"Areas: the {code} exam covers {len(areas) - len(missing)} of {len(areas)} inspection areas "
                   "in every draw" + (f" (missing: {', '.join(missing)})" if missing else ""))
    from trainer.content.policy import load_reading_policy, module_minimum_seconds

    policy = load_reading_policy(current_app.config["POLICIES_DIR"])
    click.echo("Reading times (stated, and the reading rule's minimum): " + ", ".join(
        f"{m.slug} {m.minutes} min ({module_minimum_seconds(m, policy) / 60:.1f})" for m in sources.modules))


@trainer_cli.command("sync-content")
def sync_content() -> None:
    """Validate content/ and question_bank/ and load them; nothing is loaded if anything is invalid."""
    from trainer.library import read_all, sync_all

    try:
        with unit_of_work():
            report, bank = sync_all(read_all())
    except SourceInvalid as error:
        _fail(error)
    for label, slugs in (("added", report.added), ("new version (re-read required)", report.new_version),
                         ("text updated (same version)", report.text_changed), ("retired", report.retired)):
        for slug in slugs:
            click.echo(f"  {label}: {slug}")
    click.echo(f"Modules: {len(report.added)} added, {len(report.new_version)} new version, "
               f"{len(report.text_changed)} updated, {len(report.unchanged)} unchanged, {len(report.retired)} retired.")
    click.echo(f"Questions: {len(bank.added)} added, {len(bank.new_version)} new version, "
               f"{bank.unchanged} unchanged, {len(bank.retired)} retired.")


@trainer_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Create demo departments and accounts (development only) and print the logins."""
    from trainer.demo import seed_demo

    if current_app.config["TRAINER_ENV"] == "production":
        raise click.ClickException("Refusing to create demo accounts in production.")
    accounts = seed_demo()
    click.echo("\nDemo accounts (log in with the email or the employee number):")
    for account in accounts:
        roles = ", ".join(r.value for r in account.roles)
        click.echo(f"  {account.email:<24} {account.password:<22} {account.employee_no}  {roles}  ({account.department})")
    click.echo("")


@trainer_cli.command("import-staff")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_staff_command(csv_file: Path) -> None:
    """Import or update staff from a CSV file, all or nothing."""
    from trainer.csv_import import ImportRejected
    from trainer.hr.staff_import import import_staff

    try:
        with unit_of_work():
            result = import_staff(csv_file.read_bytes())
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
        raise click.ClickException(f"{len(rejected.errors)} bad row(s); nothing was imported.") from None
    click.echo(f"{len(result.created)} created, {len(result.updated)} updated, {result.unchanged} unchanged.")


@trainer_cli.command("create-admin")
@click.option("--employee-no", required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--department", "department_code", required=True, help="Department code; created if missing.")
@click.password_option()
def create_admin(employee_no: str, email: str, full_name: str, department_code: str, password: str) -> None:
    """Create the first administrator on a new installation."""
    from sqlalchemy import select

    from trainer.people.models import Department, Role, User
    from trainer.auth.services import PasswordPolicyError, set_password

    department = db.session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        department = Department(code=department_code, name=department_code, active=True)
        db.session.add(department)
        db.session.flush()
    user = User(employee_no=employee_no, email=email.lower(), full_name=full_name, department_id=department.id)
    user.set_roles({Role.ADMIN, Role.STAFF})
    try:
        set_password(user, password)
    except PasswordPolicyError:
        raise click.ClickException("Choose a password of 10+ characters that is not the login.") from None
    db.session.add(user)
    db.session.commit()
    click.echo(f"Administrator {employee_no} created.")


@trainer_cli.command("close-overdue")
def close_overdue_command() -> None:
    """Close and grade every exam attempt past its deadline."""
    from trainer.exams.services import close_overdue

    with unit_of_work():
        closed = close_overdue()
    click.echo(f"Closed {closed} overdue attempt(s).")


@trainer_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Queue emails for people whose qualification enters its renewal window or has expired (once per stage)."""
    from trainer.certification.reminders import queue_reminders

    report = queue_reminders()
    db.session.commit()
    click.echo(f"Queued {report.queued} reminder(s); trainer deliver-notifications sends them.")


@trainer_cli.command("batch-reminders")
def batch_reminders_command() -> None:
    """Queue emails for training batch members who have not passed, days before the due date (once per stage)."""
    from trainer.batches.reminders import queue_batch_reminders

    report = queue_batch_reminders()
    db.session.commit()
    click.echo(f"Queued {report.queued} batch reminder(s); trainer deliver-notifications sends them.")


def _fail(error: SourceInvalid) -> None:
    for issue in error.issues:
        click.echo(str(issue), err=True)
    click.echo(f"{len(error.issues)} problem(s) found; nothing was loaded.", err=True)
    sys.exit(1)


# Commands that live with their feature, registered in one place (each is listed in the README).
from trainer.audit.cli import audit_pack_command  # noqa: E402 - registered after the group exists
from trainer.auth.account_cli import send_invitations_command  # noqa: E402
from trainer.backup import backup_command  # noqa: E402
from trainer.dbroles import grant_app_role_command  # noqa: E402
from trainer.escalations.cli import chase_escalations_command  # noqa: E402
from trainer.inspections.cli import import_loans_command  # noqa: E402
from trainer.ledger.cli import (  # noqa: E402
    checkpoint_command, ledger_keygen_command, ledger_public_key_command, verify_ledger_command,
)
from trainer.notifications.cli import deliver_notifications_command  # noqa: E402
from trainer.sso.cli import directory_login_command  # noqa: E402

for _command in (verify_ledger_command, checkpoint_command, ledger_keygen_command, ledger_public_key_command,
                 grant_app_role_command, backup_command, audit_pack_command, import_loans_command,
                 directory_login_command, deliver_notifications_command, send_invitations_command,
                 chase_escalations_command):
    trainer_cli.add_command(_command)
