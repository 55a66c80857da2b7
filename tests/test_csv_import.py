"""The one set of rules every CSV import follows (staff, loans and batch members use it)."""
import pytest

from trainer.csv_import import ImportRejected, RowError, accepted, check_rows, csv_rows, yes_or_no
from trainer.refusals import Refusal


def numbers(data: bytes, optional=(), max_rows: int = 100) -> list[tuple[int, str]]:
    def check(record, line, errors):
        if not record["employee_no"].strip().isalnum():
            errors.append(RowError(line, "bad number"))
            return None
        return line, record["employee_no"].strip()

    rows, errors = check_rows(csv_rows(data, ("employee_no",), optional), check, max_rows)
    return accepted(rows, errors, "no people")


def test_semicolons_a_byte_order_mark_and_blank_lines_are_fine():
    data = "\ufeffEmployee_No;Note\nE1;first\n;\n\nE2;second\n".encode()
    assert numbers(data, optional=None) == [(2, "E1"), (5, "E2")]


def test_every_bad_line_is_reported_in_order_and_nothing_is_accepted():
    with pytest.raises(ImportRejected) as rejected:
        numbers(b"employee_no\nE1\nE 2\nE3\nE-4\n")
    assert [(e.line, e.message) for e in rejected.value.errors] == [(3, "bad number"), (5, "bad number")]
    assert isinstance(rejected.value, Refusal) and rejected.value.status == 422
    assert str(rejected.value) == "line 3: bad number\nline 5: bad number"


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfeE1", "not UTF-8"),
    (b"  \n", "empty"),
    (b"name\nAna\n", "missing column(s): employee_no"),
    (b"employee_no,salary\nE1,10\n", "unknown column(s): salary"),
    (b"employee_no\n", "no people"),
    (b'employee_no\nE1\n"' + b"x" * 200_000 + b'"\n', "line 3: unreadable CSV: field larger than field limit"),
])
def test_a_file_that_cannot_be_read_says_why_on_its_line(ctx, data, message):
    with pytest.raises(ImportRejected) as rejected:
        numbers(data)
    assert message in str(rejected.value)


def test_other_columns_are_ignored_only_when_the_import_says_so(ctx):
    assert numbers(b"employee_no,salary\nE1,10\n", optional=None) == [(2, "E1")]


def test_a_file_longer_than_the_limit_is_refused(ctx):
    with pytest.raises(ImportRejected, match="more than 2 rows"):
        numbers(b"employee_no\nE1\nE2\nE3\n", max_rows=2)


@pytest.mark.parametrize("raw, value", [("Sí", True), ("yes", True), ("inactivo", False), ("0", False), ("", None)])
def test_yes_or_no_in_either_language(raw, value):
    problems = []
    assert yes_or_no(raw, problems) is value and problems == []


def test_yes_or_no_names_what_it_cannot_read(ctx):
    problems = []
    assert yes_or_no("maybe", problems) is None and "maybe" in str(problems[0])
