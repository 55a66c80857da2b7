"""The bank's today and moments of its local days, as the app stores them."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from trainer.certification import services as certification


def today() -> date:
    """The bank's today (in its time zone)."""
    return certification.today()


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of the bank's local day, as the UTC timestamp the app stores."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(hour, minute), zone).astimezone(timezone.utc)
