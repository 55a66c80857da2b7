"""`trainer backup`: a consistent copy of the database, taken while the app runs.

SQLite: the online backup API (a consistent snapshot even with writers
active). PostgreSQL: `pg_dump` in its custom format (restore with
`pg_restore`). Beside the copy goes the ledger's latest signed checkpoint,
so whoever restores it can tell what the copy holds. After any restore,
`trainer verify-ledger --checkpoint NEWEST.json` with the newest checkpoint
exported since names the entries the backup lacks (docs/deployment.md).
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from trainer.extensions import db
from trainer import signing
from trainer.ledger import checkpoints
from trainer.timeutil import utcnow


def backup_sqlite(target: Path) -> None:
    source = sqlite3.connect(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database)
    try:
        with sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
    finally:
        source.close()


def backup_postgresql(target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise click.ClickException("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    done = subprocess.run(["pg_dump", "--format=custom", "--file", str(target), "--dbname",
                           url.render_as_string(hide_password=False)], capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {done.stderr.strip()}")


def write_latest_checkpoint(target: Path) -> Path | None:
    heads = checkpoints.stored()
    if not heads:
        return None
    path = target.with_name(target.name + ".checkpoint.json")
    path.write_text(heads[-1].to_json(signing.public_pem(signing.signer().public)), encoding="utf-8")
    return path


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path | None) -> None:
    """Copy the database to TARGET (default: instance/backups/), with the latest ledger checkpoint beside it."""
    dialect = db.engine.dialect.name
    if target is None:
        folder = Path(current_app.config["INSTANCE_DIR"]) / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"trainer-{utcnow():%Y%m%dT%H%M%SZ}.{'sqlite3' if dialect == 'sqlite' else 'pgdump'}"
    if target.exists():
        raise click.ClickException(f"{target} exists: a backup never overwrites a file")
    (backup_sqlite if dialect == "sqlite" else backup_postgresql)(target)
    click.echo(f"Backup written to {target} ({target.stat().st_size:,} bytes)")
    beside = write_latest_checkpoint(target)
    if beside is not None:
        click.echo(f"Latest ledger checkpoint written to {beside}")
