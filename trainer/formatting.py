"""How pages, mails and exports show dates, times and numbers: one style per kind,
in the person's language and the bank's time zone (BABEL_DEFAULT_TIMEZONE, set
from TRAINER_TIMEZONE).

| kind       | style                              | es                   | en                   |
| ---------- | ---------------------------------- | -------------------- | -------------------- |
| date       | medium                             | 2 dic 2026           | Dec 2, 2026          |
| long date  | long (in a mail's sentence)        | 2 de diciembre de 2026 | December 2, 2026   |
| date-time  | medium date + short time           | 2 dic 2026, 15:30    | Dec 2, 2026, 3:30 PM |
| time       | short                              | 15:30                | 3:30 PM              |
| month      | month name and year                | diciembre 2026       | December 2026        |
| number     | grouped, fixed decimals            | 1.234,5              | 1,234.5              |
| percent    | a 0–100 figure, locale's sign      | 85 %                 | 85%                  |
| amount     | grouped, two decimals              | 1.500.000,00         | 1,500,000.00         |

Templates use the filters registered by `init_app` (`|day`, `|moment`, `|clock`,
`|month`, `|number`, `|percent`, `|amount`) and the label filters that name the
platform's codes (`|qualification_state`, `|role_label`, …); Python code calls
the functions with an explicit `locale` where there is no request (mails).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import Flask, current_app, has_app_context

NOTHING = "—"
DATE_STYLE = "medium"
TIME_STYLE = "short"
MONTH_PATTERN = "MMMM y"
DEFAULT_ZONE = "Europe/Madrid"


def _locale(locale: str | Locale | None) -> Locale:
    if isinstance(locale, Locale):
        return locale
    if locale:
        return Locale.parse(locale)
    from flask_babel import get_locale

    found = get_locale() if has_app_context() else None
    if found is not None:
        return found
    return Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "es")


def bank_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def _local(value: datetime) -> datetime:
    """The instant on the bank's clock. Naive values are UTC (SQLite returns them so)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(bank_zone())


def day(value: date | datetime | None, locale: str | Locale | None = None) -> str:
    """A calendar date; an instant is shown as the bank's date it fell on."""
    if value is None:
        return NOTHING
    if isinstance(value, datetime):
        value = _local(value).date()
    return dates.format_date(value, DATE_STYLE, locale=_locale(locale))


def long_day(value: date, locale: str | Locale | None = None) -> str:
    """A date written out, as a sentence in a mail says it."""
    return dates.format_date(value, "long", locale=_locale(locale))


def moment(value: datetime | None, locale: str | Locale | None = None) -> str:
    """An instant: its date and time on the bank's clock, no zone suffix."""
    if value is None:
        return NOTHING
    loc = _locale(locale)
    local = _local(value)
    pattern = loc.datetime_formats.get(DATE_STYLE) or "{1}, {0}"
    return str(pattern).replace("{1}", dates.format_date(local.date(), DATE_STYLE, locale=loc)).replace(
        "{0}", dates.format_time(local.timetz(), TIME_STYLE, locale=loc))


def clock(value: datetime | None, locale: str | Locale | None = None) -> str:
    """The time of day of an instant on the bank's clock."""
    if value is None:
        return NOTHING
    return dates.format_time(_local(value).timetz(), TIME_STYLE, locale=_locale(locale))


def month(value: date | None, locale: str | Locale | None = None) -> str:
    if value is None:
        return NOTHING
    return dates.format_date(value, MONTH_PATTERN, locale=_locale(locale))


def number(value: int | float | Decimal | Fraction | None, digits: int = 0, locale: str | Locale | None = None) -> str:
    """A figure with exactly `digits` decimals, grouped the locale's way."""
    if value is None:
        return NOTHING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return numbers.format_decimal(value, pattern, locale=_locale(locale))


def decimal(value: int | float | Decimal | None, locale: str | Locale | None = None) -> str:
    """A figure with as many decimals as it has (up to three): weights, thresholds."""
    if value is None:
        return NOTHING
    return numbers.format_decimal(value, "#,##0.###", locale=_locale(locale))


def percent(value: int | float | Decimal | None, digits: int = 0, locale: str | Locale | None = None) -> str:
    """A score or share on 0–100, with the locale's percent sign and spacing."""
    if value is None:
        return NOTHING
    loc = _locale(locale)
    pattern = loc.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(str(value))
    return numbers.format_percent(exact / 100, pattern, locale=loc)


def amount(value: int | float | Decimal | None, locale: str | Locale | None = None) -> str:
    """Money: grouped, two decimals (the currency is the loan's, not shown)."""
    return number(value, 2, locale)


STYLES = (None, "short", "medium", "long", "full")


def _date_filter(value, format=None):
    """Flask-Babel's `dateformat`, held to the one date style (a pattern such as "MMMM y" is kept)."""
    if format in STYLES or value is None:
        return day(value)
    return dates.format_date(_local(value).date() if isinstance(value, datetime) else value, format, locale=_locale(None))


def _datetime_filter(value, format=None):
    """Flask-Babel's `datetimeformat`, held to the one date-time style on the bank's clock."""
    if format in STYLES or value is None:
        return moment(value)
    return dates.format_datetime(_local(value), format, locale=_locale(None))


def _time_filter(value, format=None):
    return clock(value) if format in STYLES or value is None else dates.format_time(_local(value), format, locale=_locale(None))


def init_app(app: Flask) -> None:
    from trainer import labels

    for name, function in {"day": day, "moment": moment, "clock": clock, "month": month, "number": number,
                           "decimal": decimal, "percent": percent, "amount": amount,
                           # Flask-Babel's own filters, so a page written with them keeps the same styles.
                           "dateformat": _date_filter, "datetimeformat": _datetime_filter,
                           "timeformat": _time_filter}.items():
        app.add_template_filter(function, name)
    for name, function in labels.FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(labels.ledger_kind_label, "ledger_kind_label")
