"""Append-only at the database level: triggers that refuse UPDATE and DELETE
on the tables that are evidence (ledger entries and checkpoints, audit events,
returned report versions), on SQLite and PostgreSQL. Each feature protects its
own tables with `protect(Model.__table__)` where it defines them.

The application never changes a ledger row (a correction is a reversal), so
the triggers stop only what goes around it. They are attached to the tables'
creation (so `create_all` in tests installs them) and the migration runs the
same statements. On PostgreSQL the app's own role should not even hold the
privilege (docs/deployment.md, the two-role set-up); the triggers also stop
the schema owner's slips.
"""
from __future__ import annotations

from sqlalchemy import DDL, event

TABLES: list[str] = []  # every protected table, in the order protected

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION trainer_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$
"""


def postgres_statements(table: str) -> list[str]:
    return [POSTGRES_FUNCTION,
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION trainer_append_only()"]


def sqlite_statements(table: str) -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")]


def statements(dialect: str, table: str) -> list[str]:
    return postgres_statements(table) if dialect == "postgresql" else sqlite_statements(table)


def protect(table_obj) -> None:
    """Install the triggers with the table (create_all, tests) and list it for grants and migrations."""
    TABLES.append(table_obj.name)
    for dialect, make in (("postgresql", postgres_statements), ("sqlite", sqlite_statements)):
        for statement in make(table_obj.name):
            # DDL() applies %-formatting to its text: keep PL/pgSQL's own % placeholders literal.
            event.listen(table_obj, "after_create", DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))
