"""Calendar quarters (Q1 = January to March) in the bank's local calendar."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from trainer.timeutil import add_months

PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
FIRST_YEAR = 2000
DEADLINE_DAY = 5  # a month's regular inspection is on time when submitted by the 5th of the next month


class BadQuarter(ValueError):
    """Not a quarter in the form 2025-Q1."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = PATTERN.match((text or "").strip().upper())
        if not match or int(match.group(1)) < FIRST_YEAR:
            raise BadQuarter(text)
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return add_months(self.start, 3) - timedelta(days=1)

    @property
    def months(self) -> list[date]:
        """The first day of each of its three months."""
        return [add_months(self.start, i) for i in range(3)]

    def shift(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def last(self, count: int) -> list[Quarter]:
        """`count` quarters ending with this one, oldest first."""
        return [self.shift(i - count + 1) for i in range(count)]

    def __str__(self) -> str:
        return self.code


def month_end(first_day: date) -> date:
    return add_months(first_day, 1) - timedelta(days=1)


def deadline(first_day: date) -> date:
    """The last local day on which the month's regular inspection is on time."""
    return add_months(first_day, 1).replace(day=DEADLINE_DAY)


def local_midnight_utc(day: date, zone_name: str) -> datetime:
    """The instant the bank's local `day` begins, in UTC (for comparing stored timestamps)."""
    return datetime.combine(day, time.min, ZoneInfo(zone_name)).astimezone(timezone.utc)
