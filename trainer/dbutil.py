"""Small database helpers shared by the feature packages."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
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
