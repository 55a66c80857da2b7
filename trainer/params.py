"""Numbers read from paths and query strings.

A number the database cannot hold (PostgreSQL's `integer` ends at 2**31 - 1,
SQLite's at 2**63 - 1) is no number at all: a path id beyond it is a 404 and
a query parameter beyond it is ignored, on both databases alike, instead of
an overflow inside the database driver.
"""
from __future__ import annotations

from datetime import date

from flask import abort, request
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route: 0 to DB_INT_MAX, ASCII digits only."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def query_int(value: str) -> int:
    """For `request.args.get(name, type=query_int)`: a plain number the database
    can hold, or ValueError (so the argument counts as absent)."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > DB_INT_MAX:
        raise ValueError(f"not a number in range: {value[:20]!r}")
    return int(value)


def id_arg(name: str) -> int | None:
    """A row id from the query string: None when absent or not a number at
    all, 404 when it is a number that can name no row (0, negative, too large)."""
    value = request.args.get(name, "").strip()
    if not value or not (value.removeprefix("-").isascii() and value.removeprefix("-").isdigit()):
        return None
    if value.startswith("-") or not 1 <= int(value) <= DB_INT_MAX:
        abort(404)
    return int(value)


def in_id_range(value: int | None) -> bool:
    """Whether a number from a form could be a row id (and is safe to look up on either database)."""
    return value is not None and 1 <= value <= DB_INT_MAX


def parse_day(value: str) -> date | None:
    """A YYYY-MM-DD date, or None when it is anything else."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
