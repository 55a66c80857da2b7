"""The `trainer` console command: every maintenance task as `trainer …`.

Installed as an entry point, so it works in the virtualenv without
FLASK_APP: `trainer init-db`, `trainer create-admin …`, `trainer db upgrade`,
`trainer run`. It is Flask's own command group with trainer's commands at
the top level (`flask trainer …` keeps working too).
"""
from __future__ import annotations

import click
from flask.cli import FlaskGroup

from trainer import create_app
from trainer.cli import trainer_cli
from trainer.config import ConfigurationError


def _create_app():
    try:
        return create_app()
    except ConfigurationError as error:
        # A setting is wrong: say which, without a traceback.
        raise click.ClickException(str(error)) from None


def build_group() -> FlaskGroup:
    group = FlaskGroup(name="trainer", create_app=_create_app, help=trainer_cli.help)
    for name, command in trainer_cli.commands.items():
        group.add_command(command, name)
    return group


def main() -> None:
    build_group().main(prog_name="trainer")
