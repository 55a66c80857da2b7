"""One regular report per loan and month (the service, the constraint, a race), and a serious
rating backed by a warning signal of its area or a written reason: on the form and the API alike."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from trainer.people.models import User
from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.models import InspectionReport, Loan
from trainer.inspections.services import AreaEntry, InspectionError
from trainer.transactions import unit_of_work

from tests.concurrency import run_concurrently
from tests.factories import report_content, today
from tests.inspections.test_pages import api_payload, form_data, token  # noqa: F401 - the fixture


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(InspectionReport))


# --- one regular report per loan and month -------------------------------------------

def test_a_second_regular_report_for_the_month_is_refused_naming_the_first(bank):
    first = services.file_report(bank.officer, bank.loan, report_content())
    for author in (bank.officer, bank.colleague):
        with pytest.raises(InspectionError) as refused:
            services.file_report(author, bank.loan, report_content(), submit=True)
        assert refused.value.code == "duplicate_regular" and refused.value.report_id == first.id
        assert "inspection_date" in refused.value.fields
    assert count() == 1
    # An irregular report that month, and a regular one on another loan, are fine.
    services.file_report(bank.officer, bank.loan, report_content(kind="irregular"), submit=True)
    services.file_report(bank.outsider, bank.other_loan, report_content())
    assert count() == 3


def test_moving_a_report_into_a_taken_month_is_refused(bank):
    day = today()
    earlier = (day.replace(day=1) - timedelta(days=1)).replace(day=min(day.day, 28))
    this_month = services.file_report(bank.officer, bank.loan, report_content(day))
    other = services.file_report(bank.officer, bank.loan, report_content(earlier))
    with pytest.raises(InspectionError) as refused:
        services.save_report(bank.officer, other.id, other.revision, report_content(day))
    assert refused.value.code == "duplicate_regular" and refused.value.report_id == this_month.id
    db.session.expire_all()
    assert db.session.get(InspectionReport, other.id).inspection_date == earlier
    # Made irregular, it may stand in that month too.
    services.save_report(bank.officer, other.id, other.revision, report_content(day, kind="irregular"))
    assert db.session.get(InspectionReport, other.id).regular_month is None


def test_the_database_refuses_a_second_regular_report_written_past_the_service(bank):
    report = services.file_report(bank.officer, bank.loan, report_content())
    db.session.add(InspectionReport(loan_id=bank.loan.id, author_id=bank.colleague.id, department_id=bank.home.id,
                                    kind=report.kind, inspection_date=report.inspection_date,
                                    regular_month=report.regular_month))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_two_concurrent_creates_make_one_report(app, bank):
    ids = (bank.officer.id, bank.colleague.id)
    loan_id = bank.loan.id
    authors = iter(ids)
    lock = __import__("threading").Lock()

    def create():
        with lock:
            author_id = next(authors)
        with app.test_request_context(headers={"Accept-Language": "en"}):
            author, loan = db.session.get(User, author_id), db.session.get(Loan, loan_id)
            try:
                with unit_of_work():  # as each request does: the winner commits, a refused one rolls back
                    return services.file_report(author, loan, report_content(), submit=True).id
            except InspectionError as error:
                return error.code, error.report_id

    results, errors = run_concurrently(app, 2, create)
    assert not errors, errors
    winner = [r for r in results if isinstance(r, int)]
    assert len(winner) == 1 and [r for r in results if not isinstance(r, int)] == [("duplicate_regular", winner[0])]
    db.session.expire_all()
    assert count() == 1


def test_the_form_and_the_api_link_the_existing_report(bank, client, login, token):  # noqa: F811
    first = services.file_report(bank.officer, bank.loan, report_content())
    db.session.commit()
    login(bank.officer.email)
    page = client.post(f"/inspections/loans/{bank.loan.id}/reports/new", data=form_data(action="submit"))
    assert page.status_code == 409
    assert "already has a regular report" in page.text and f'href="/inspections/reports/{first.id}"' in page.text
    response = client.post("/api/v1/inspections", json=api_payload(bank), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "duplicate_regular" and body["existing_report_url"].endswith(f"/inspections/reports/{first.id}")
    assert count() == 1


# --- a serious rating needs a signal of its area or a reason ---------------------------

def serious(content, area="collateral", reason=""):
    content.areas[area] = AreaEntry("Warehouse roof collapsed", "serious", "", reason)
    return content


def test_a_serious_rating_without_a_signal_or_reason_is_refused_even_in_a_draft(bank):
    for submit in (False, True):
        with pytest.raises(InspectionError) as refused:
            services.file_report(bank.officer, bank.loan, serious(report_content(signals={})), submit=submit)
        assert refused.value.code == "invalid" and "collateral.reason" in refused.value.fields
        assert "'Serious' rating needs a warning signal" in refused.value.fields["collateral.reason"]
    # A signal of another area does not back it.
    with pytest.raises(InspectionError):
        services.file_report(bank.officer, bank.loan, serious(report_content()), submit=True)
    assert count() == 0


def test_a_signal_of_the_area_or_a_reason_backs_a_serious_rating(bank):
    backed = serious(report_content(signals={"collateral_impaired": "Roof collapsed"}))
    report = services.file_report(bank.officer, bank.loan, backed, submit=True)
    reasoned = serious(report_content(kind="irregular", signals={}), reason="Seen on site; no signal fits.")
    other = services.file_report(bank.officer, bank.loan, reasoned, submit=True)
    assert services.content_of(other).areas["collateral"].reason == "Seen on site; no signal fits."
    assert report.id != other.id


def test_the_form_shows_the_reason_error_and_the_api_answers_422(bank, client, login, token):  # noqa: F811
    login(bank.officer.email)
    data = form_data(serious(report_content(signals={})), action="submit")
    page = client.post(f"/inspections/loans/{bank.loan.id}/reports/new", data=data)
    assert page.status_code == 422 and "needs a warning signal of this area or a reason" in page.text
    assert 'id="area_collateral-reason"' in page.text
    data["area_collateral-reason"] = "Seen on site."
    assert client.post(f"/inspections/loans/{bank.loan.id}/reports/new", data=data).status_code == 302

    payload = api_payload(bank, kind="irregular", trigger="Roof collapsed", signals=[])
    payload["areas"]["collateral"] = {"finding": "Roof collapsed", "rating": "serious", "notes": ""}
    response = client.post("/api/v1/inspections", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "collateral.reason" in response.get_json()["fields"]
    payload["areas"]["collateral"]["reason"] = "Seen on site."
    assert client.post("/api/v1/inspections", json=payload, headers={"Authorization": f"Bearer {token}"}).status_code == 201
