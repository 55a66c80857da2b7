"""The exam statistics page's parts: the date filter, the rows in the viewer's
language, the score-distribution chart (server-side SVG, as in evaluation.chart)
and the CSV of the per-question table. The figures come from exams.statistics."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pygal
from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from pygal.style import DefaultStyle
from wtforms import DateField
from wtforms.validators import Optional

from trainer import spreadsheets
from trainer.charts import without_scripts
from trainer.exams import statistics
from trainer.forms import QueryForm

SNIPPET_CHARS = 90


class StatisticsFilterForm(QueryForm):
    """The date range, read from the query string (a GET form: no CSRF token)."""

    since = DateField(_l("Submitted from"), validators=[Optional()])
    until = DateField(_l("Submitted until"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            from wtforms import ValidationError

            raise ValidationError(_l("The end date must not be before the start date."))


def bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The bank's local days [since, until] as UTC instants [start, end)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)

    return (midnight(since) if since else None), (midnight(until + timedelta(days=1)) if until else None)


def flag_labels() -> dict[str, str]:
    return {
        statistics.FLAG_TOO_HARD: _("too hard"), statistics.FLAG_TOO_EASY: _("too easy"),
        statistics.FLAG_WEAK: _("weak"), statistics.FLAG_NEGATIVE: _("negative: check the key"),
    }


FLAG_BADGES = {statistics.FLAG_TOO_HARD: "text-bg-warning", statistics.FLAG_TOO_EASY: "text-bg-warning",
               statistics.FLAG_WEAK: "text-bg-secondary", statistics.FLAG_NEGATIVE: "text-bg-danger"}


def _localised(texts: dict | None, locale: str) -> str:
    texts = texts or {}
    return texts.get(locale) or texts.get("es") or texts.get("en") or ""


def snippet(body: dict, locale: str) -> str:
    text = " ".join(_localised(body.get("text"), locale).split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS - 1].rstrip() + "…"


def option_text(body: dict, option_id: str, locale: str) -> str:
    for option in body.get("options", []):
        if option["id"] == option_id:
            return _localised(option, locale)
    return option_id


def number(value: float | None, digits: int = 1) -> str:
    """A figure for people; undefined ones (no spread to measure) are a dash."""
    return "—" if value is None else f"{value:.{digits}f}"


def render_svg(bins: list[tuple[int, int, int]], title: str) -> str:
    chart = pygal.Bar(
        js=[], disable_xml_declaration=True, style=DefaultStyle, title=title, show_legend=False,
        x_labels=[f"{low}–{high}" for low, high, _n in bins], x_title=_("Score band"), y_title=_("Attempts"),
        width=800, height=360, print_values=True, no_data_text=_("No attempts yet"),
    )
    chart.add_xml_filter(without_scripts)
    if any(n for _low, _high, n in bins):
        chart.add(_("Attempts"), [n for _low, _high, n in bins])
    return chart.render()


def to_csv(report: statistics.Report, locale: str) -> bytes:
    """Like the matrix export: UTF-8 with a byte order mark, text made formula-safe,
    undefined figures left empty so spreadsheets read the column as numbers."""
    labels = flag_labels()
    header = [_("Question"), _("Version"), _("Text"), _("Attempts"), _("Facility index"), _("SD"),
              _("Discrimination"), _("Discriminative efficiency"), _("Flags")]
    rows = []
    for item in report.items:
        info = report.versions.get(item.version_id)
        rows.append([
            info.qid if info else "", info.version if info else "",
            snippet(info.body, locale) if info else "", item.seen, _plain(item.facility),
            _plain(item.sd, 3), _plain(item.discrimination, 3), _plain(item.efficiency),
            "; ".join(labels[f] for f in item.flags)])
    return spreadsheets.csv_bytes(header, rows)


def _plain(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"
