"""Reading an uploaded CSV, all or nothing: the one set of rules every import follows (staff, loans,
training batch members).

Every row is checked before anything is written; the file is refused (`ImportRejected`, a refusal like
any other) with every bad row and its line number, in the reader's language. A file is UTF-8 (a byte
order mark is fine), separated by ',' or ';' as spreadsheets save it, with a header naming its columns.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from trainer.refusals import Refusal

MAX_ROWS = 50_000
TRUE_WORDS = {"1", "true", "yes", "y", "si", "sí", "s", "active", "activo"}
FALSE_WORDS = {"0", "false", "no", "n", "inactive", "inactivo"}
EXTRA = "__extra__"  # where csv puts the values of a row longer than its header

Row = TypeVar("Row")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str  # a lazily translated string: shown in the reader's language

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRejected(Refusal):
    """The file was refused; `errors` lists every bad row, by line."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)), "import_rejected")


def decode_csv(data: bytes) -> tuple[str, str]:
    """The file's text and its delimiter; rejects what is not UTF-8 or is empty."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([RowError(1, _l("the file is not UTF-8 text: save it as 'CSV UTF-8'"))]) from None
    if not text.strip():
        raise ImportRejected([RowError(1, _l("the file is empty"))])
    first_line = text.splitlines()[0]
    return text, ";" if first_line.count(";") > first_line.count(",") else ","


def csv_rows(data: bytes, required: tuple[str, ...], optional: tuple[str, ...] | None = ()) -> csv.DictReader:
    """The rows of an uploaded CSV, with lower-case column names; the header must hold every required
    column and, unless `optional` is None (any other column is ignored), nothing unknown."""
    text, delimiter = decode_csv(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, restkey=EXTRA)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional] if optional is not None else []
    if missing or unknown:
        parts = ([_l("missing column(s): %(columns)s", columns=", ".join(missing))] if missing else []) + \
                ([_l("unknown column(s): %(columns)s", columns=", ".join(unknown))] if unknown else [])
        raise ImportRejected([RowError(1, "; ".join(str(p) for p in parts))])
    return reader


def check_rows(reader: csv.DictReader, check: Callable[[dict, int, list[RowError]], Row | None],
               max_rows: int = MAX_ROWS) -> tuple[list[Row], list[RowError]]:
    """Each non-blank row through `check(record, line, errors)`, which returns the row or None (having
    added its errors); stops at `max_rows`. Returns the good rows and every error so far."""
    rows: list[Row] = []
    errors: list[RowError] = []
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) + len(errors) >= max_rows:
                errors.append(RowError(line, _l("more than %(max_rows)s rows: split the file", max_rows=max_rows)))
                break
            if EXTRA not in record and all(not (value or "").strip() for value in record.values()):
                continue
            row = check(record, line, errors)
            if row is not None:
                rows.append(row)
    except csv.Error as error:
        # DictReader copies the line number only after a row is read: the failing line is its reader's.
        errors.append(RowError(reader.reader.line_num, _l("unreadable CSV: %(error)s", error=error)))
    return rows, errors


def accepted(rows: list[Row], errors: list[RowError], nothing_message) -> list[Row]:
    """The rows, if the file is accepted: no error anywhere and at least one row."""
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    if not rows:
        raise ImportRejected([RowError(1, nothing_message)])
    return rows


def yes_or_no(raw: str, problems: list) -> bool | None:
    """An 'active'-like column: yes/no in English or Spanish; blank means leave it as it is."""
    if not raw:
        return None
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(_l("active '%(raw)s' should be yes or no", raw=raw))
    return None
