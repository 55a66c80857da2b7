"""`trainer directory-login EMPLOYEE_NO …`: mark people whose password the directory checks."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from trainer.auth.services import find_person
from trainer.extensions import db


@click.command("directory-login")
@click.argument("employee_numbers", nargs=-1, required=True)
@click.option("--off", is_flag=True, help="Back to a local password.")
@with_appcontext
def directory_login_command(employee_numbers: tuple[str, ...], off: bool) -> None:
    """Check these people's passwords against LDAP / Active Directory (TRAINER_LDAP_URL), or --off."""
    people = []
    for number in employee_numbers:
        person = find_person(number)
        if person is None:
            raise click.ClickException(f"no person has employee number {number!r}; nothing changed")
        people.append(person)
    for person in people:
        person.directory_login = not off
    db.session.commit()
    state = "a local password" if off else "the directory"
    click.echo(f"{len(people)} people now log in with {state}.")
