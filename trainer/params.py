"""Numbers read from paths and query strings.

A number the database cannot hold (PostgreSQL's `integer` ends at 2**31 - 1,
SQLite's at 2**63 - 1) is no number at all: a path id beyond it is a 404 and
a query parameter beyond it is ignored, on both databases alike, instead of
an overflow inside the database driver.
"""
from __future__ import annotations

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
