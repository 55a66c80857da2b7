"""Back-dating: a report's inspection date lies in the policy's window before the day it is
filed (never in the future), and its author is qualified on both days — on every path."""
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from trainer import formatting
from trainer.api.scopes import Scope
from trainer.api.services import issue_token
from trainer.people.models import Role
from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.gate import GateRefused
from trainer.inspections.models import InspectionReport, ReportStatus
from trainer.inspections.policy import inspection_policy
from trainer.inspections.services import InspectionError

from tests import factories
from tests.factories import certify, report_content, today
from tests.inspections.helpers import put_in_state
from tests.inspections.test_pages import form_data


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InspectionReport))


def days_back() -> int:
    return inspection_policy().max_days_back


def last_week():
    return today() - timedelta(days=7)


def too_old():
    return today() - timedelta(days=days_back() + 1)


def test_the_policy_window_is_read_from_policies(ctx):
    assert days_back() == 45


# --- the service: create, file, save, submit ------------------------------------

@pytest.mark.parametrize("path", ["create", "file_and_submit"])
def test_an_inspector_expired_yesterday_cannot_file_a_report_dated_last_week(bank, path):
    put_in_state(bank.officer, "expired")
    with pytest.raises(GateRefused) as refused:
        if path == "create":
            services.file_report(bank.officer, bank.loan, report_content(last_week()))
        else:
            services.file_report(bank.officer, bank.loan, report_content(last_week()), submit=True)
    assert refused.value.code == "expired"
    assert refused.value.message == (
        f"Your Post-loan inspector qualification expired on {formatting.day(today() - timedelta(days=1))}.")
    assert report_count() == 0


@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_draft_dated_while_valid_cannot_be_saved_or_submitted_after_expiry(bank, action):
    draft = services.file_report(bank.officer, bank.loan, report_content(last_week()))
    put_in_state(bank.officer, "expired")
    change = services.save_report if action == "save" else services.submit_report
    with pytest.raises(GateRefused) as refused:
        change(bank.officer, draft.id, draft.revision, report_content(last_week()))
    assert refused.value.code == "expired"
    db.session.expire_all()
    stored = db.session.get(InspectionReport, draft.id)
    assert (stored.status, stored.revision) == (ReportStatus.DRAFT, 1)


def test_the_window_edge(bank):
    oldest = today() - timedelta(days=days_back())
    assert services.file_report(bank.officer, bank.loan, report_content(oldest)).inspection_date == oldest
    db.session.commit()
    with pytest.raises(InspectionError) as refused:
        services.file_report(bank.officer, bank.loan, report_content(too_old()))
    assert refused.value.code == "too_old" and "inspection_date" in refused.value.fields
    assert f"more than {days_back()} days" in refused.value.fields["inspection_date"]
    db.session.rollback()
    assert report_count() == 1


@pytest.mark.parametrize("when", ["too_old", "future"])
@pytest.mark.parametrize("action", ["create", "file", "save", "submit"])
def test_a_date_outside_the_window_is_refused_on_every_service_path(bank, action, when):
    day = too_old() if when == "too_old" else today() + timedelta(days=1)
    code = "too_old" if when == "too_old" else "future_date"
    draft = services.file_report(bank.officer, bank.loan, report_content(last_week()))
    db.session.commit()
    with pytest.raises(InspectionError) as refused:
        if action == "create":
            services.file_report(bank.officer, bank.loan, report_content(day))
        elif action == "file":
            services.file_report(bank.officer, bank.loan, report_content(day), submit=True)
        elif action == "save":
            services.save_report(bank.officer, draft.id, draft.revision, report_content(day))
        else:
            services.submit_report(bank.officer, draft.id, draft.revision, report_content(day))
    assert refused.value.code == code and set(refused.value.fields) == {"inspection_date"}
    db.session.rollback()
    db.session.expire_all()
    assert report_count() == 1
    stored = db.session.get(InspectionReport, draft.id)
    assert (stored.status, stored.revision, stored.inspection_date) == (ReportStatus.DRAFT, 1, last_week())


def test_a_stored_draft_now_outside_the_window_cannot_be_submitted(bank):
    """Submitting re-checks the window against the day of submission, not the day of the draft."""
    dated = too_old()
    written = datetime.combine(dated + timedelta(days=1), time(12), tzinfo=timezone.utc)
    draft = services.file_report(bank.officer, bank.loan, report_content(dated), now=written)
    with pytest.raises(InspectionError) as refused:
        services.submit_report(bank.officer, draft.id, draft.revision)
    assert refused.value.code == "too_old"


def test_the_window_and_the_qualification_count_from_the_filing_moment(bank):
    """`now` is the filing day: a report filed back then within the window, by someone qualified then, is fine
    (how the demo data are built), and one filed then by someone not yet qualified is not."""
    dated = today() - timedelta(days=100)
    filed = datetime.combine(dated + timedelta(days=3), time(12), tzinfo=timezone.utc)
    report = services.file_report(bank.officer, bank.loan, report_content(dated), submit=True, now=filed)
    assert report.status is ReportStatus.SUBMITTED
    newcomer = factories.user(dept=bank.home)
    certify(newcomer, starts_in=-99)  # valid from the day before the filing day, not on the inspection date
    with pytest.raises(GateRefused) as refused:
        services.file_report(newcomer, bank.loan, report_content(dated), submit=True, now=filed)
    assert refused.value.code == "not_yet_valid"


# --- the form ---------------------------------------------------------------------

@pytest.fixture
def officer_email(bank):
    return bank.officer.email


@pytest.mark.parametrize("when", ["too_old", "future"])
@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_form_shows_the_error_on_the_date_field(bank, officer_email, client, login, action, when):
    day = too_old() if when == "too_old" else today() + timedelta(days=1)
    loan_id = bank.loan.id
    draft_id = services.file_report(bank.officer, bank.loan, report_content(last_week())).id
    db.session.commit()
    login(officer_email)
    for url, revision in ((f"/inspections/loans/{loan_id}/reports/new", 0), (f"/inspections/reports/{draft_id}/edit", 1)):
        response = client.post(url, data=form_data(report_content(day), revision=revision, action=action))
        assert response.status_code == 422, url
        expected = (f"The inspection date cannot be more than {days_back()} days before the day it is filed"
                    if when == "too_old" else "The inspection date cannot be in the future.")
        assert f'<div class="invalid-feedback" id="inspection_date-err">{expected}' in response.text, url
    assert report_count() == 1


def test_the_form_refuses_an_expired_inspector_a_report_dated_last_week(bank, officer_email, client, login):
    loan_id = bank.loan.id
    draft_id = services.file_report(bank.officer, bank.loan, report_content(last_week())).id
    put_in_state(bank.officer, "expired")
    login(officer_email)
    for url, revision in ((f"/inspections/loans/{loan_id}/reports/new", 0), (f"/inspections/reports/{draft_id}/edit", 1)):
        response = client.post(url, data=form_data(report_content(last_week()), revision=revision, action="submit"))
        assert response.status_code == 403 and "qualification expired on" in response.text, url
    assert report_count() == 1


# --- the JSON API -----------------------------------------------------------------

@pytest.fixture
def auth(bank):
    token = issue_token("Loan servicing", factories.user(Role.ADMIN, dept=bank.home), [Scope.INSPECTIONS_WRITE],
                        bound_to=bank.officer)[1]
    db.session.commit()  # the API's requests read it from their own sessions
    return {"Authorization": "Bearer " + token}


def api_payload(bank, day) -> dict:
    content = report_content(day)
    return {"loan_no": "P-001", "author_employee_no": bank.officer.employee_no, "kind": "regular",
            "inspection_date": day.isoformat(), "conclusion": content.conclusion,
            "areas": {code: {"finding": e.finding, "rating": e.rating, "notes": e.notes} for code, e in content.areas.items()},
            "submit": True}


def test_the_api_refuses_an_expired_inspector_a_report_dated_last_week(bank, client, auth):
    put_in_state(bank.officer, "expired")
    response = client.post("/api/v1/inspections", json=api_payload(bank, last_week()), headers=auth)
    assert response.status_code == 403
    body = response.get_json()
    assert (body["error"], body["reason"]) == ("not_qualified", "expired") and "expired on" in body["message"]
    assert report_count() == 0


@pytest.mark.parametrize("when", ["too_old", "future"])
def test_the_api_refuses_a_date_outside_the_window(bank, client, auth, when):
    day = too_old() if when == "too_old" else today() + timedelta(days=1)
    response = client.post("/api/v1/inspections", json=api_payload(bank, day), headers=auth)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == ("too_old" if when == "too_old" else "future_date")
    assert set(body["fields"]) == {"inspection_date"} and body["message"]
    assert report_count() == 0
    assert client.post("/api/v1/inspections", json=api_payload(bank, last_week()), headers=auth).status_code == 201
