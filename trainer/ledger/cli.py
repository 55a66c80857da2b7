"""`flask trainer verify-ledger`: check the hash chain from the first entry to the head."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from trainer.ledger.chain import verify_ledger


@click.command("verify-ledger")
@with_appcontext
def verify_ledger_command() -> None:
    """Walk the reward/sanction ledger and name the first altered or missing entry."""
    result = verify_ledger()
    if result.ok:
        click.echo(f"Ledger intact: {result.checked} entries")
        return
    where = f"entry {result.first_bad_seq}" if result.first_bad_seq is not None else "the chain head"
    click.echo(f"Ledger broken at {where}: {result.problem}", err=True)
    if result.checked:
        click.echo(f"Entries 1 to {result.checked} are intact.", err=True)
    sys.exit(1)
