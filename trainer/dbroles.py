"""The two-role PostgreSQL set-up: a schema owner runs the migrations, and
the application connects as a role that may read and write the tables but
never UPDATE, DELETE or TRUNCATE the append-only ones (the ledger and its
checkpoints). `trainer grant-app-role ROLE`, run as the owner after each
migration, grants exactly that; docs/deployment.md shows the whole set-up.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from trainer.extensions import db
from trainer.append_only import TABLES as APPEND_ONLY

IDENTIFIER_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def app_role_grants(role: str) -> list[str]:
    if not role or not set(role) <= IDENTIFIER_CHARS or role[0].isdigit():
        raise ValueError(f"{role!r}: use a lower-case role name (letters, digits, underscore)")
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for table in APPEND_ONLY:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
    # The app's role may not run migrations: no DDL, no ownership.
    statements.append(f"REVOKE CREATE ON SCHEMA public FROM {role}")
    return statements


@click.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role_command(role: str) -> None:
    """Give the application's PostgreSQL ROLE its privileges (run as the schema owner, after migrations)."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("grant-app-role is for PostgreSQL; SQLite has no roles (its triggers still apply)")
    try:
        statements = app_role_grants(role)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    click.echo(f"{role}: may read and write the tables, but not change or delete {', '.join(APPEND_ONLY)}")
