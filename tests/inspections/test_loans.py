"""The loan register: all-or-nothing CSV import with line numbers, and who sees which loans."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from trainer.people.models import Role
from trainer.extensions import db
from trainer.csv_import import ImportRejected
from trainer.inspections.loans import import_loans, loans_page
from trainer.inspections.models import Loan

from tests import factories

HEADER = "loan_no,borrower,department_code,officer_employee_no,amount,loan_type,guarantor,collateral,start_date\n"


@pytest.fixture
def people(ctx):
    mad, sev = factories.department("CR-MAD"), factories.department("CR-SEV")
    factories.user(dept=mad, employee_no="E1")
    factories.user(dept=sev, employee_no="E2")
    factories.user(dept=mad, employee_no="E3", active=False)
    return mad, sev


def loan_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Loan))


def errors_of(data: str) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        import_loans(data.encode("utf-8"))
    db.session.rollback()
    return [str(e) for e in caught.value.errors]


def test_import_creates_loans_and_reimport_changes_nothing(people):
    data = (HEADER + "P-1,Talleres Norte,CR-MAD,E1,150000.50,working_capital,Juan Norte,Warehouse,2024-03-01\n"
            "P-2,Granja Sur,cr-sev,e2,75000,fixed_asset,,,2024-05-15\n").encode()
    first = import_loans(data)
    assert first.created == ["P-1", "P-2"] and loan_count() == 2
    p1 = db.session.scalar(select(Loan).where(Loan.loan_no == "P-1"))
    assert p1.amount == Decimal("150000.50") and p1.department_id == people[0].id and p1.active
    second = import_loans(data)
    assert (second.created, second.updated, second.unchanged) == ([], [], 2)


def test_semicolons_and_decimal_commas(people):
    data = HEADER.replace(",", ";") + "P-1;Talleres Norte;CR-MAD;E1;1234,5;working_capital;;;2024-03-01\n"
    import_loans(data.encode())
    assert db.session.scalar(select(Loan.amount)) == Decimal("1234.50")


def test_reimport_updates_and_closes_loans(people):
    import_loans((HEADER + "P-1,Talleres Norte,CR-MAD,E1,1000,working_capital,,,2024-03-01\n").encode())
    result = import_loans((HEADER.strip() + ",active\n" + "p-1,Talleres Norte SA,CR-MAD,E1,1000.00,working_capital,,,2024-03-01,no\n").encode())
    assert result.updated == ["P-1"]
    loan = db.session.scalar(select(Loan))
    assert (loan.loan_no, loan.borrower, loan.active) == ("P-1", "Talleres Norte SA", False)


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(people):
    data = (HEADER
            + "P-1,Talleres Norte,CR-MAD,E1,1000,working_capital,,,2024-03-01\n"   # line 2: fine
            + ",Sin numero,CR-MAD,E1,1000,working_capital,,,2024-03-01\n"          # line 3
            + "P-3,Norte,CR-MAD,E1,0,working_capital,,,2024-03-01\n"               # line 4: zero
            + "P-4,Norte,CR-MAD,E1,\"1,234.50\",working_capital,,,2024-03-01\n"    # line 5: thousands
            + "P-5,Norte,CR-MAD,E2,1000,working_capital,,,2024-03-01\n"            # line 6: wrong department
            + "P-6,Norte,CR-MAD,E3,1000,working_capital,,,2024-03-01\n"            # line 7: inactive officer
            + "P-7,Norte,NOPE,E9,1000,working_capital,,,2024-03-01\n"              # line 8
            + "P-8,Norte,CR-MAD,E1,1000,working_capital,,,01/03/2024\n"            # line 9
            + "P-1,Again,CR-MAD,E1,1000,working_capital,,,2024-03-01\n"            # line 10: duplicate
            + "P-9,Norte,CR-MAD,E1,1000,50,working_capital,,,2024-03-01\n")        # line 11: comma amount, comma CSV
    assert errors_of(data) == [
        "line 3: loan_no is empty",
        "line 4: amount must be greater than zero",
        "line 5: amount '1,234.50' must be a number like 1234.56 or 1234,56 (no thousands separators, at most 2 decimals)",
        "line 6: officer E2 does not belong to department CR-MAD",
        "line 7: officer E3 is deactivated",
        "line 8: unknown department_code 'NOPE'; no person has employee number 'E9'",
        "line 9: start_date '01/03/2024' must be a date written YYYY-MM-DD",
        "line 10: loan_no 'P-1' already appears on line 2",
        "line 11: more values than columns (write amounts like 1234.56, or use ';' between columns)",
    ]
    assert loan_count() == 0


def test_header_problems_and_empty_files(people):
    assert errors_of("loan_no,borrower\n") == [
        "line 1: missing column(s): department_code, officer_employee_no, amount, loan_type, guarantor, collateral, start_date"]
    assert errors_of(HEADER.strip() + ",colour\n") == ["line 1: unknown column(s): colour"]
    assert errors_of("") == ["line 1: the file is empty"]
    assert errors_of(HEADER) == ["line 1: the file has a header but no loans"]
    with pytest.raises(ImportRejected):
        import_loans("loan_no\n\xff".encode("latin-1"))


def test_the_command_imports_or_lists_errors(app, runner, people, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HEADER + "P-1,Talleres Norte,CR-MAD,E1,1000,working_capital,,,2024-03-01\n", encoding="utf-8")
    bad.write_text(HEADER + "P-2,Norte,CR-MAD,E2,1000,working_capital,,,2024-03-01\n", encoding="utf-8")
    result = runner.invoke(args=["trainer", "import-loans", str(good)])
    assert result.exit_code == 0 and "1 created, 0 updated, 0 unchanged." in result.output
    result = runner.invoke(args=["trainer", "import-loans", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: officer E2 does not belong to department CR-MAD" in result.output
    assert loan_count() == 1


def test_everyone_sees_their_departments_loans_and_hr_all(people):
    mad, sev = people
    import_loans((HEADER + "P-1,Norte,CR-MAD,E1,1000,working_capital,,,2024-03-01\n"
                  "P-2,Sur,CR-SEV,E2,1000,working_capital,,,2024-03-01\n").encode())
    staff, supervisor = factories.user(dept=mad), factories.user(Role.SUPERVISOR, dept=sev)
    hr = factories.user(Role.HR, dept=mad)
    assert [r.loan.loan_no for r in loans_page(staff)[1]] == ["P-1"]
    assert [r.loan.loan_no for r in loans_page(supervisor)[1]] == ["P-2"]
    assert [(r.loan.loan_no, r.department) for r in loans_page(hr)[1]] == [("P-1", "CR-MAD"), ("P-2", "CR-SEV")]
    assert [r.loan.loan_no for r in loans_page(hr, q="sur")[1]] == ["P-2"]
