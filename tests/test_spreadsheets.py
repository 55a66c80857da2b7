"""The one export writer: nothing a person typed runs as a formula or breaks a file."""
import csv
import io
from datetime import date

from openpyxl import load_workbook

from trainer import spreadsheets

NASTY = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Ana\x00\x07\x1bBel", "\tTab", "Ñoño 王芳"]


def test_csv_cells_are_formula_safe_and_dates_iso():
    body = spreadsheets.csv_bytes(["name", "day"], [[text, date(2026, 1, 31)] for text in NASTY])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert names == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "AnaBel", "'\tTab", "Ñoño 王芳"]
    assert {row[1] for row in rows[1:]} == {"2026-01-31"}


def test_xlsx_never_fails_on_stored_control_characters():
    body = spreadsheets.xlsx_bytes([("People=1", ["name", "n"], [[text, 3] for text in NASTY])])
    sheet = load_workbook(io.BytesIO(body)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ("name", "n")
    assert [v[0] for v in values[1:]][4] == "AnaBel"
    assert all(not str(v[0]).startswith(("=", "+", "-", "@")) for v in values[1:])
    assert values[1][1] == 3
