"""`trainer send-invitations`: invite people to set their first password, from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from trainer import transactions
from trainer.auth.services import find_person
from trainer.auth import invitations


@click.command("send-invitations")
@click.option("--employee-no", "employee_numbers", multiple=True,
              help="Invite these people (repeatable), even if invited before; default: everyone who never "
                   "logged in, has no password of their own and no invitation that still works.")
@with_appcontext
def send_invitations_command(employee_numbers: tuple[str, ...]) -> None:
    """Queue invitation emails with one-time set-password links (sent by deliver-notifications)."""
    if not employee_numbers:
        with transactions.unit_of_work():
            report = invitations.invite_uninvited(actor=None)
        click.echo(f"{len(report.invited)} invitation(s) queued.")
        return
    people = []
    for number in employee_numbers:
        person = find_person(number)
        if person is None:
            raise click.ClickException(f"No person with employee number {number}; nobody was invited.")
        people.append(person)
    invited = 0
    for person in people:  # each person's invitation is committed on its own: one refused stops no other
        try:
            with transactions.unit_of_work():
                invited += len(invitations.invite(person, actor=None).invited)
        except invitations.InvitationRefused as refused:
            click.echo(f"{person.employee_no}: not invited ({refused.code})", err=True)
    click.echo(f"{invited} invitation(s) queued.")
