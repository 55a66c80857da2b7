"""`flask trainer import-loans FILE`: the loan register from CSV, all or nothing."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from trainer.transactions import unit_of_work


@click.command("import-loans")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_loans_command(csv_file: Path) -> None:
    """Import or update loans from a CSV file, all or nothing (matched by loan number)."""
    from trainer.csv_import import ImportRejected
    from trainer.inspections.loans import import_loans

    try:
        with unit_of_work():
            result = import_loans(csv_file.read_bytes())
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
        raise click.ClickException(f"{len(rejected.errors)} bad row(s); nothing was imported.") from None
    click.echo(f"{len(result.created)} created, {len(result.updated)} updated, {result.unchanged} unchanged.")
