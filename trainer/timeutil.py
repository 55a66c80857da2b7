"""One clock for the whole app, timezone-aware and in UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(value: datetime) -> str:
    """An instant for the browser: ISO 8601 with its offset, never a bare wall time
    that JavaScript would read as the visitor's local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: which zone is it in?")
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def local_today(tz_name: str = "Europe/Madrid", now: datetime | None = None):
    """The bank's calendar date: qualifications are valid per local day."""
    from zoneinfo import ZoneInfo

    return (now or utcnow()).astimezone(ZoneInfo(tz_name)).date()


def add_months(day, months: int):
    """Same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
