"""Department totals over the quarters, as a server-side SVG line chart.

The SVG carries no script (the site's CSP forbids inline scripts and the page
needs none) and no outside resource: pygal's tooltip script and its config
script are removed, and its styles are inlined. The same series feed the
text table shown beside the chart for screen readers.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal

import pygal
from flask_babel import gettext as _
from pygal.style import DefaultStyle

from trainer.charts import without_scripts
from trainer.evaluation.services import DepartmentRow, History

# Large enough to read when the 800-unit-wide chart is shown at phone width (see app.css).
READABLE_STYLE = DefaultStyle(
    title_font_size=22, label_font_size=16, major_label_font_size=16, legend_font_size=18,
    value_font_size=16, tooltip_font_size=16, no_data_font_size=24, stroke_width=3, stroke_width_hover=4,
)

# pygal adds an old-style import hook (for its map plugins, unused here) that makes
# every later failed import anywhere in the app emit an ImportWarning.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

MAX_LINES = 10  # beyond that a line per department is unreadable: show the spread instead


@dataclass(frozen=True)
class Series:
    label: str
    totals: list[Decimal | None]  # one per quarter, None: nobody evaluated or no score
    notes: list[str] = ()  # per quarter, e.g. which department is the highest


def _total(row: DepartmentRow | None) -> Decimal | None:
    return row.result.total_shown if row is not None else None


def series(history: History) -> list[Series]:
    """A line per department, or (with many departments) everyone's total with the highest and lowest."""
    if len(history.departments) <= MAX_LINES:
        return [Series(f"{latest.code} · {latest.name}", [_total(row) for row in rows])
                for latest, rows in history.departments]
    highest, lowest = [], []
    for index in range(len(history.quarters)):
        scored = [rows[index] for _latest, rows in history.departments
                  if rows[index] is not None and rows[index].result.total is not None]
        top = max(scored, key=lambda d: (d.result.total, d.code), default=None)
        bottom = min(scored, key=lambda d: (d.result.total, d.code), default=None)
        highest.append(top)
        lowest.append(bottom)
    return [
        Series(_("All departments shown"), [_total(row) for row in history.overall]),
        Series(_("Highest department"), [_total(d) for d in highest], [d.code if d else "" for d in highest]),
        Series(_("Lowest department"), [_total(d) for d in lowest], [d.code if d else "" for d in lowest]),
    ]


def render_svg(lines: list[Series], quarter_labels: list[str], title: str) -> str:
    chart = pygal.Line(
        js=[], disable_xml_declaration=True, style=READABLE_STYLE,
        title=title, x_labels=quarter_labels, range=(0, 100), include_x_axis=True, legend_at_bottom=True,
        legend_at_bottom_columns=1, truncate_legend=60, width=800, height=520, show_dots=True, dots_size=5,
        legend_box_size=18, margin_bottom=20, margin_right=36,
        print_values=False, no_data_text=_("No scores yet"), allow_interruptions=True,
    )
    chart.add_xml_filter(without_scripts)
    for line in lines:
        chart.add(line.label, [float(v) if v is not None else None for v in line.totals])
    return chart.render()
