"""`flask trainer chase-escalations`: remind recipients of escalations nobody has acknowledged."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("chase-escalations")
@with_appcontext
def chase_escalations_command() -> None:
    """Email the recipients of escalations unacknowledged past the policy's threshold (once per interval)."""
    from trainer.escalations.services import chase
    from trainer.transactions import unit_of_work

    with unit_of_work():  # every chase of the run, or none
        chased = chase()
    click.echo(f"Chased {chased} unacknowledged escalation(s); the emails go out with deliver-notifications.")
