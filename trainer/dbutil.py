"""Small database helpers shared by the feature packages."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from trainer.extensions import db

M = TypeVar("M")


def get_or_create(model: type[M], defaults: dict[str, Any] | None = None, **keys: Any) -> tuple[M, bool]:
    """Return the row matching `keys`, creating it if missing.

    Two requests racing to create the same row (two tabs, a double click)
    both end up with the one row: the loser's insert fails on the unique
    key inside a savepoint, and it reads the winner's row instead.
    """
    query = select(model).filter_by(**keys)
    row = db.session.scalar(query)
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = model(**keys, **(defaults or {}))
            db.session.add(row)
        return row, True
    except IntegrityError:
        return db.session.scalars(query).one(), False


def commit_without_waiting_for_the_disk() -> None:
    """PostgreSQL: this transaction's commit does not wait for the WAL to reach the disk (for this
    transaction only; most of a small write's time on this disk). A crash of the database server may
    lose the last fraction of a second of such commits, never half of one, which is what SQLite's
    default synchronous=NORMAL does for every commit; a later durable commit flushes every earlier one.
    For records a person redoes by acting again (opening a section), never for a grant or a completion."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_RELAXED_COMMIT)


def commit_durably() -> None:
    """Undo `commit_without_waiting_for_the_disk` (PostgreSQL) for a transaction that now writes what
    must last (a completion, a grade, a certificate)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_DURABLE_COMMIT)


_RELAXED_COMMIT = select(func.set_config("synchronous_commit", "off", True))
_DURABLE_COMMIT = select(func.set_config("synchronous_commit", "on", True))
