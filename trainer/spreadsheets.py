"""CSV and XLSX exports: one writer for every feature.

Every text cell goes through `cell()`, so no export can be turned into a
formula by what a person typed (CSV/formula injection), and no stored text
can make an export fail: openpyxl refuses control characters, which a name
imported years ago may still hold.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[object]


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as it is: no formula, no control characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value: object) -> object:
    return safe_text(value) if isinstance(value, str) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    """UTF-8 with a byte order mark (spreadsheet programs then read accents), CRLF lines, ISO dates."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([v.isoformat() if isinstance(v, date) else cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Row]]]) -> bytes:
    """One worksheet per (title, header, rows), header in bold; written row by row (constant memory)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(safe_text(title)[:31])
        titles = []
        for name in header:
            heading = WriteOnlyCell(sheet, value=cell(name))
            heading.font = bold
            titles.append(heading)
        sheet.append(titles)
        for row in rows:
            sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
