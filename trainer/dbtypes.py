"""Column types shared by the feature models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A moment in time: stored in UTC, always read back as an aware UTC datetime.

    PostgreSQL's timestamptz keeps the offset, but SQLite stores the wall time
    as text and hands back a naive datetime; a page that sends that to the
    browser without an offset is read as the browser's local time (an exam
    countdown that starts at zero in Madrid). Naive values are refused on the
    way in, because nobody can tell which zone they meant. The DDL is exactly
    DateTime(timezone=True)'s, so the schema does not change.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone (trainer.timeutil.utcnow())")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: stored in UTC by process_bind_param
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)  # PostgreSQL: in the session's TimeZone

