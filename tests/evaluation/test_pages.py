"""The evaluation page, its chart and exports: who sees what, and what they get."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import openpyxl
import pytest

from trainer.people.models import Role
from trainer.evaluation import cache
from trainer.extensions import db
from trainer.inspections.models import ReportStatus

from tests import factories
from tests.factories import certificate, entry, loan, local, report, review, signals

QUARTER = "2025-Q1"


@pytest.fixture
def bank(app):
    """Two departments; a qualified, high-scoring officer and a colleague at home, one person elsewhere."""
    with app.app_context():
        home, other = factories.department("HOME", "Home branch"), factories.department("OTHER", "Other branch")
        officer, colleague = factories.user(dept=home), factories.user(dept=home)
        officer.full_name = '=HYPERLINK("http://x")'
        supervisor = factories.user(Role.SUPERVISOR, dept=home)
        outsider = factories.user(dept=other)
        on = loan(officer, date(2024, 11, 1))
        for month in (1, 2, 3):
            done = report(on, date(2025, month, 10), local(date(2025, month, 12)), ReportStatus.REVIEWED)
            review(done, supervisor, 90)
            signals(done, True)
        certificate(officer, date(2024, 6, 1), date(2026, 5, 31))
        entry(officer, 30, local(date(2025, 2, 1)))
        entry(colleague, -10, local(date(2025, 2, 1)))
        entry(outsider, 5, local(date(2025, 2, 1)))
        db.session.commit()
        return {
            "ids": {"officer": officer.id, "colleague": colleague.id, "outsider": outsider.id},
            "emails": {"officer": officer.email, "colleague": colleague.email, "supervisor": supervisor.email,
                       "hr": factories.user(Role.HR, dept=other).email,
                       "admin": factories.user(Role.ADMIN, dept=other).email},
        }


@pytest.fixture
def as_(client, bank, login):
    def sign_in(who: str):
        client.post("/logout")
        login(bank["emails"][who])
        return client

    return sign_in


def forget_kept_quarters(app) -> None:
    with app.app_context():
        cache.clear()


def people_on(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-person="(\d+)"', page)}


def test_hr_sees_everyone_with_breakdowns_departments_and_chart(as_, bank):
    response = as_("hr").get(f"/evaluation/?quarter={QUARTER}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert people_on(page) == set(bank["ids"].values())
    assert 'data-department="HOME"' in page and 'data-department="OTHER"' in page
    assert "<details" in page and "100 × 3 on time ÷ 3 due = 100.0" in page
    assert "Mean quality score of the 3 reports whose latest review accepted them: 270 ÷ 3 = 90.0" in page
    assert "(100.0 × 35 + 90.0 × 30 + 100.0 × 15 + 80.0 × 20) ÷ 100 = 93.0" in page
    assert page.count('data-eligible="yes"') == 1
    assert "Total 93.0 reaches the promotion threshold of 80.0." in page
    assert "Post-loan inspector qualification not valid on Mar 31, 2025 (Not qualified)." in page
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Department totals over the last 6 quarters" in page
    assert "/evaluation/export.csv?quarter=2025-Q1" in page


def test_staff_see_only_themselves(as_, bank):
    client = as_("colleague")
    page = client.get(f"/evaluation/?quarter={QUARTER}").get_data(as_text=True)
    assert people_on(page) == {bank["ids"]["colleague"]}
    assert "data-department=" not in page and "<svg" not in page and "export.csv" not in page
    for url in ("/evaluation/export.csv", "/evaluation/export.xlsx", "/evaluation/chart.svg"):
        assert client.get(url).status_code == 403


def test_staff_without_anything_to_evaluate_are_told_so(client, app, login):
    with app.app_context():
        email = factories.user().email
    login(email)
    page = client.get(f"/evaluation/?quarter={QUARTER}").get_data(as_text=True)
    assert "there is nothing to evaluate" in page


def test_supervisors_see_their_department(as_, bank):
    client = as_("supervisor")
    page = client.get(f"/evaluation/?quarter={QUARTER}").get_data(as_text=True)
    assert people_on(page) == {bank["ids"]["officer"], bank["ids"]["colleague"]}
    assert 'data-department="OTHER"' not in page
    rows = list(csv.reader(io.StringIO(client.get(f"/evaluation/export.csv?quarter={QUARTER}").data.decode("utf-8-sig"))))
    assert len(rows) == 3 and {row[3] for row in rows[1:]} == {"HOME"}
    # A department filter is for bank-wide readers only: a supervisor's is ignored.
    page = client.get(f"/evaluation/?quarter={QUARTER}&department=999").get_data(as_text=True)
    assert people_on(page) == {bank["ids"]["officer"], bank["ids"]["colleague"]}


def test_csv_export_has_every_row_the_breakdown_and_is_safe_to_open(as_, bank):
    response = as_("hr").get(f"/evaluation/export.csv?quarter={QUARTER}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert 'filename="evaluation-2025-Q1.csv"' in response.headers["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 3
    record = dict(zip(header, next(r for r in rows if r[2].startswith("'="))))
    assert record["full_name"] == "'=HYPERLINK(\"http://x\")"
    assert (record["due_2025_01"], record["on_time_2025_03"], record["inspections_on_time_score"]) == ("1", "1", "100.0")
    assert (record["reports_accepted"], record["quality_score"], record["signals_confirmed"]) == ("3", "90.0", "3")
    assert (record["ledger_points"], record["ledger_score"], record["total"], record["band"]) == ("30", "80.0", "93.0", "outstanding")
    assert (record["qualification_state"], record["promotion_eligible"], record["promotion_reasons"]) == ("active", "yes", "")
    colleague = dict(zip(header, next(r for r in rows if r[1] != record["employee_no"] and r[3] == "HOME")))
    assert colleague["inspections_on_time_score"] == "" and colleague["total"] == "40.0"
    assert colleague["promotion_eligible"] == "no"
    assert "Total 40.0 is below the promotion threshold of 80.0." in colleague["promotion_reasons"]


def test_xlsx_export_has_people_and_departments(as_, bank):
    response = as_("admin").get(f"/evaluation/export.xlsx?quarter={QUARTER}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    people = list(book["People"].iter_rows(values_only=True))
    assert len(people) == 4 and "'=HYPERLINK(\"http://x\")" in {row[2] for row in people[1:]}
    header, *departments = list(book["Departments"].iter_rows(values_only=True))
    home = dict(zip(header, next(row for row in departments if row[1] == "HOME")))
    assert (home["people"], home["ledger_points_total"], home["ledger_points_mean"]) == (2, 20, 10)


def test_the_chart_is_svg_without_scripts(as_, bank):
    response = as_("hr").get(f"/evaluation/chart.svg?quarter={QUARTER}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert body.startswith("<svg") and "<script" not in body and "HOME · Home branch" in body
    assert "http://" not in body.replace("http://www.w3.org/", "")


def test_names_are_escaped_in_the_page_and_the_chart(as_, bank, app):
    with app.app_context():
        from sqlalchemy import select

        from trainer.people.models import Department
        db.session.scalar(select(Department).where(Department.code == "OTHER")).name = "<b>Bold</b> & co"
        db.session.commit()
    client = as_("hr")
    for url in (f"/evaluation/?quarter={QUARTER}", f"/evaluation/chart.svg?quarter={QUARTER}"):
        body = client.get(url).get_data(as_text=True)
        assert "<b>Bold</b>" not in body and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in body


def test_a_bank_wide_reader_may_pick_one_department(as_, bank, app):
    with app.app_context():
        from sqlalchemy import select

        from trainer.people.models import Department
        other = db.session.scalar(select(Department.id).where(Department.code == "OTHER"))
    client = as_("hr")
    page = client.get(f"/evaluation/?quarter={QUARTER}&department={other}").get_data(as_text=True)
    assert people_on(page) == {bank["ids"]["outsider"]}
    response = client.get(f"/evaluation/?quarter={QUARTER}&department=999999")
    assert response.status_code == 422 and people_on(response.get_data(as_text=True)) == set(bank["ids"].values())
    assert client.get("/evaluation/export.csv?department=999999").status_code == 422


@pytest.mark.parametrize("quarter", ["2025-Q5", "nonsense", "1999-Q1", "2099-Q1"])
def test_an_invalid_quarter_is_refused_with_a_message(as_, bank, quarter):
    client = as_("hr")
    response = client.get(f"/evaluation/?quarter={quarter}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "has not started yet" in page or "Choose a quarter written like 2025-Q1." in page
    for url in ("/evaluation/export.csv", "/evaluation/export.xlsx", "/evaluation/chart.svg"):
        assert client.get(f"{url}?quarter={quarter}").status_code == 422


def test_the_default_is_the_last_complete_quarter_and_the_current_one_is_offered(as_, bank):
    from trainer.evaluation.quarters import Quarter

    page = as_("hr").get("/evaluation/").get_data(as_text=True)
    with as_("hr").application.test_request_context():
        from trainer.certification.services import today

        current = Quarter.containing(today())
    assert f'<option selected value="{current.shift(-1).code}">' in page
    assert f'value="{current.code}"' in page


def test_hr_pages_through_fifty_people_at_a_time(as_, bank, app):
    with app.app_context():
        from trainer.people.models import Department
        from sqlalchemy import select

        home = db.session.scalar(select(Department).where(Department.code == "HOME"))
        for _ in range(52):
            entry(factories.user(dept=home, password=None), 1, local(date(2025, 2, 2)))
        db.session.commit()
    client = as_("hr")
    first = client.get(f"/evaluation/?quarter={QUARTER}").get_data(as_text=True)
    second = client.get(f"/evaluation/?quarter={QUARTER}&page=2").get_data(as_text=True)
    assert len(people_on(first)) == 50 and len(people_on(second)) == 5
    assert "55 people evaluated" in first and "Page 1 of 2" in first


def test_queries_do_not_grow_with_people(as_, bank, app, count_queries):
    client = as_("hr")

    def queries() -> int:
        forget_kept_quarters(app)  # the computation itself, not the cache (see test_cache.py)
        with count_queries() as statements:
            assert client.get(f"/evaluation/?quarter={QUARTER}").status_code == 200
        return len(statements)

    def add_people(n: int) -> None:
        with app.app_context():
            from trainer.people.models import Department
            from sqlalchemy import select

            home = db.session.scalar(select(Department).where(Department.code == "HOME"))
            supervisor = factories.user(Role.SUPERVISOR, dept=home, password=None)
            for _ in range(n):
                person = factories.user(dept=home, password=None)
                on = loan(person, date(2024, 12, 1))
                done = report(on, date(2025, 2, 3), local(date(2025, 2, 4)), ReportStatus.REVIEWED)
                review(done, supervisor, 70)
                signals(done, True, None)
                entry(person, 2, local(date(2025, 3, 3)))
                certificate(person, date(2024, 1, 1), date(2026, 1, 1))
            db.session.commit()

    def export_queries() -> int:
        forget_kept_quarters(app)
        with count_queries() as statements:
            assert client.get(f"/evaluation/export.csv?quarter={QUARTER}").status_code == 200
        return len(statements)

    add_people(2)  # with the bank's 3: 5 people
    few, few_exported = queries(), export_queries()
    add_people(45)
    assert (queries(), export_queries()) == (few, few_exported)
    assert few <= 20
