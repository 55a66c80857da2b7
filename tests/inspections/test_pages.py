"""The report, review and loan pages over HTTP, and the gate on every path a browser or a system takes."""
import io

import pytest
from sqlalchemy import func, select

from trainer.api.scopes import Scope
from trainer.api.services import issue_token
from trainer.people.models import Role
from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.models import InspectionReport, RaisedSignal, ReportStatus, Review
from trainer.inspections.policy import inspection_policy

from tests import factories
from tests.factories import report_content, today
from tests.inspections.helpers import EXPECTED_REASON, STATES, put_in_state

HEADER = "loan_no,borrower,department_code,officer_employee_no,amount,loan_type,guarantor,collateral,start_date\n"


def form_data(content=None, revision=0, action="save") -> dict:
    content = content or report_content()
    data = {"kind": content.kind, "inspection_date": content.inspection_date.isoformat(), "trigger": content.trigger,
            "conclusion": content.conclusion, "revision": str(revision), "action": action}
    for code, entry in content.areas.items():
        data |= {f"area_{code}-finding": entry.finding, f"area_{code}-rating": entry.rating or "",
                 f"area_{code}-notes": entry.notes, f"area_{code}-reason": entry.reason}
    for code, note in content.signals.items():
        data |= {f"signal_{code}-raised": "y", f"signal_{code}-note": note}
    return data


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InspectionReport))


@pytest.fixture
def ids(bank):
    return {"loan": bank.loan.id, "other_loan": bank.other_loan.id, "officer": bank.officer.email,
            "supervisor": bank.supervisor.email, "colleague": bank.colleague.email, "hr": bank.hr.email}


# --- the gate on every path -------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_the_form_refuses_to_create_with_the_reason(bank, ids, client, login, state):
    put_in_state(bank.officer, state)
    login(ids["officer"])
    page = client.get(f"/inspections/loans/{ids['loan']}/reports/new")
    assert page.status_code == 200 and EXPECTED_REASON[state] in page.text, "warned before filling anything in"
    # The refusal and the way to qualify, not a form that cannot be sent.
    assert 'name="inspection_date"' not in page.text and 'href="/exams/"' in page.text
    response = client.post(f"/inspections/loans/{ids['loan']}/reports/new", data=form_data(action="submit"))
    assert response.status_code == 403
    assert EXPECTED_REASON[state] in response.text and "/exams/" in response.text
    assert report_count() == 0


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_form_refuses_to_edit_or_submit_with_the_reason(bank, ids, client, login, state, action):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    report_id = draft.id
    put_in_state(bank.officer, state)
    login(ids["officer"])
    response = client.post(f"/inspections/reports/{report_id}/edit", data=form_data(revision=1, action=action))
    assert response.status_code == 403 and EXPECTED_REASON[state] in response.text
    db.session.expire_all()
    stored = db.session.get(InspectionReport, report_id)
    assert (stored.status, stored.revision) == (ReportStatus.DRAFT, 1)


@pytest.fixture
def token(bank):
    # Bound to the officer the payloads name, so it may submit for them.
    plaintext = issue_token("Loan servicing", factories.user(Role.ADMIN, dept=bank.home), [Scope.INSPECTIONS_WRITE],
                            bound_to=bank.officer)[1]
    db.session.commit()  # the API's requests read it from their own sessions
    return plaintext


def api_payload(bank, **changes) -> dict:
    content = report_content()
    payload = {"loan_no": "P-001", "author_employee_no": bank.officer.employee_no, "kind": "regular",
               "inspection_date": today().isoformat(), "conclusion": content.conclusion,
               "areas": {code: {"finding": e.finding, "rating": e.rating, "notes": e.notes} for code, e in content.areas.items()},
               "signals": [{"signal": "guarantor_weakened", "note": "Sold two properties"}], "submit": True}
    return payload | changes


@pytest.mark.parametrize("state", STATES)
def test_the_api_refuses_with_the_gates_reason(bank, client, token, state):
    put_in_state(bank.officer, state)
    payload = api_payload(bank)
    response = client.post("/api/v1/inspections", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "not_qualified" and EXPECTED_REASON[state] in body["message"]
    assert body["reason"] == {"unqualified": "never_qualified"}.get(state, state)
    assert body["exams_url"].endswith("/exams/") and "exam" in body["what_to_do"]
    assert report_count() == 0


def test_the_api_files_a_submitted_report(bank, client, token):
    response = client.post("/api/v1/inspections", json=api_payload(bank), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    report = db.session.get(InspectionReport, body["id"])
    assert body["status"] == "submitted" and report.status is ReportStatus.SUBMITTED
    assert db.session.scalar(select(RaisedSignal.severity).where(RaisedSignal.report_id == report.id)) == "medium"


def test_the_api_refuses_bad_requests_with_json(bank, client, token):
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/inspections", json=api_payload(bank)).status_code == 401
    assert client.post("/api/v1/inspections", data="not json", headers=auth).get_json()["error"] == "invalid_request"
    assert client.post("/api/v1/inspections", json=api_payload(bank, inspection_date="2024-13-01"), headers=auth).status_code == 400
    assert client.post("/api/v1/inspections", json=api_payload(bank, loan_no="NOPE"), headers=auth).get_json()["error"] == "unknown_loan"
    assert client.post("/api/v1/inspections", json=api_payload(bank, signals={"x": 1}), headers=auth).status_code == 400
    future = client.post("/api/v1/inspections", json=api_payload(bank, inspection_date="2999-01-01"), headers=auth)
    assert future.status_code == 422 and future.get_json()["error"] == "future_date"
    incomplete = client.post("/api/v1/inspections", json=api_payload(bank, areas={}), headers=auth)
    assert incomplete.status_code == 422 and "fund_use.finding" in incomplete.get_json()["fields"]
    other = client.post("/api/v1/inspections", json=api_payload(bank, loan_no="P-900"), headers=auth)
    assert other.status_code == 403 and other.get_json()["error"] == "loan_not_visible"
    assert report_count() == 0


# --- the pages --------------------------------------------------------------------

def test_an_officer_drafts_then_submits_through_the_form(bank, ids, client, login):
    login(ids["officer"])
    form = client.get(f"/inspections/loans/{ids['loan']}/reports/new")
    assert form.status_code == 200
    for position, area in enumerate(inspection_policy().areas, start=1):
        assert f"<legend class=\"h6 float-none w-auto px-1\">{position}. {area.label('en')}</legend>" in form.text
    assert 'for="area_fund_use-rating"' in form.text and "Guarantor&#39;s capacity weakened" in form.text
    saved = client.post(f"/inspections/loans/{ids['loan']}/reports/new", data=form_data())
    assert saved.status_code == 302 and "/edit" in saved.location
    report = db.session.scalars(select(InspectionReport)).one()
    page = client.get(saved.location)
    assert 'name="revision" type="hidden" value="1"' in page.text
    missing = form_data(revision=1, action="submit") | {"conclusion": "", "area_management-rating": ""}
    refused = client.post(saved.location, data=missing)
    assert refused.status_code == 422 and "Write the overall conclusion." in refused.text and "Management: choose a rating." in refused.text
    done = client.post(saved.location, data=form_data(revision=1, action="submit"))
    assert done.status_code == 302 and done.location.endswith(f"/inspections/reports/{report.id}")
    db.session.expire_all()
    assert db.session.get(InspectionReport, report.id).status is ReportStatus.SUBMITTED
    locked = client.post(saved.location, data=form_data(revision=2, action="save"))
    assert locked.status_code == 409 and "locked" in locked.text
    assert client.get(saved.location).status_code == 302


def test_a_submission_refused_on_the_new_report_form_leaves_no_draft(bank, ids, client, login):
    """The draft is written before the submission is refused: the re-rendered form's request keeps none of it."""
    login(ids["officer"])
    refused = client.post(f"/inspections/loans/{ids['loan']}/reports/new",
                          data=form_data(action="submit") | {"conclusion": ""})
    assert refused.status_code == 422 and "Write the overall conclusion." in refused.text
    assert report_count() == 0


def test_a_stale_form_is_refused(bank, ids, client, login):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    services.save_report(bank.officer, draft.id, 1, report_content())
    db.session.commit()
    login(ids["officer"])
    response = client.post(f"/inspections/reports/{draft.id}/edit", data=form_data(revision=1))
    assert response.status_code == 409 and "Someone changed this report; reload." in response.text


def test_bad_dates_are_shown_beside_the_field(bank, ids, client, login):
    login(ids["officer"])
    content = report_content()
    content.inspection_date = bank.loan.start_date.replace(year=bank.loan.start_date.year - 1)
    response = client.post(f"/inspections/loans/{ids['loan']}/reports/new", data=form_data(content))
    assert response.status_code == 422 and "before the loan started" in response.text
    assert report_count() == 0


def test_other_peoples_reports_and_loans_are_forbidden(bank, ids, client, login):
    draft_id = services.file_report(bank.officer, bank.loan, report_content()).id
    db.session.commit()
    login(ids["colleague"])
    assert client.get(f"/inspections/reports/{draft_id}").status_code == 403
    assert client.post(f"/inspections/reports/{draft_id}/edit", data=form_data(revision=1)).status_code == 403
    assert client.get(f"/inspections/loans/{ids['other_loan']}").status_code == 403
    assert client.post(f"/inspections/loans/{ids['other_loan']}/reports/new", data=form_data()).status_code == 403
    assert client.get(f"/inspections/loans/{ids['loan']}").status_code == 200


def test_a_supervisor_reviews_through_the_form(bank, ids, client, login):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    db.session.commit()
    report_id = report.id
    signal_id = db.session.scalar(select(RaisedSignal.id))
    login(ids["supervisor"])
    queue = client.get("/inspections/review")
    assert queue.status_code == 200 and f"/inspections/reports/{report_id}/review" in queue.text
    form = client.get(f"/inspections/reports/{report_id}/review")
    assert form.status_code == 200 and "Coverage of the eight areas" in form.text
    assert "All eight areas examined in depth, with facts and sources." in form.text, "each score says what it means"
    data = {"score_coverage": "4", "score_timeliness": "4", "score_signal_accuracy": "2", "score_analysis_quality": "4",
            "decision": "returned", "opinion": "Good, but check the guarantor again.", "return_reasons": ""}
    refused = client.post(f"/inspections/reports/{report_id}/review", data=data)
    assert refused.status_code == 422 and "Say what the author must correct." in refused.text
    assert "Say whether this signal is confirmed." in refused.text
    data |= {"return_reasons": "Get the guarantor's latest accounts.", f"signal_{signal_id}": "yes"}
    assert client.post(f"/inspections/reports/{report_id}/review", data=data).status_code == 302
    review = db.session.scalars(select(Review)).one()
    assert review.quality_score == 88 and review.return_reasons == "Get the guarantor's latest accounts."
    again = client.post(f"/inspections/reports/{report_id}/review", data=data)
    assert again.status_code == 409 and db.session.scalar(select(func.count()).select_from(Review)) == 1
    client.post("/logout")
    login(ids["officer"])
    mine = client.get("/inspections/")
    assert "Get the guarantor&#39;s latest accounts." in mine.text
    page = client.get(f"/inspections/reports/{report_id}")
    assert "Returned for correction" in page.text and "88/100" in page.text
    edit = client.get(f"/inspections/reports/{report_id}/edit")
    assert edit.status_code == 200 and "Get the guarantor&#39;s latest accounts." in edit.text


def test_the_queue_warns_an_unqualified_supervisor(bank, ids, client, login):
    report_id = services.file_report(bank.officer, bank.loan, report_content(), submit=True).id
    put_in_state(bank.supervisor, "suspended", code="supervisor")
    login(ids["supervisor"])
    assert "is suspended" in client.get("/inspections/review").text
    data = {"score_coverage": "4", "score_timeliness": "4", "score_signal_accuracy": "4", "score_analysis_quality": "4",
            "decision": "accepted", "opinion": "Fine", f"signal_{db.session.scalar(select(RaisedSignal.id))}": "yes"}
    response = client.post(f"/inspections/reports/{report_id}/review", data=data)
    assert response.status_code == 403 and "is suspended" in response.text
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_the_import_page_lists_bad_rows(bank, ids, client, login):
    login(ids["hr"])
    bad = HEADER + f"P-5,Norte,CR-MAD,{bank.outsider.employee_no},1000,working_capital,,,2024-03-01\n"
    response = client.post("/inspections/loans/import", data={"file": (io.BytesIO(bad.encode()), "loans.csv")})
    assert response.status_code == 422 and "Line 2" in response.text and "does not belong to department CR-MAD" in response.text
    good = HEADER + f"P-5,Norte,CR-MAD,{bank.officer.employee_no},1000,working_capital,,,2024-03-01\n"
    response = client.post("/inspections/loans/import", data={"file": (io.BytesIO(good.encode()), "loans.csv")})
    assert response.status_code == 200 and "1 created" in response.text


def test_areas_and_criteria_are_named_in_the_page_language(bank, ids, client, login):
    services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    db.session.commit()
    login(ids["supervisor"])
    client.post("/language", data={"locale": "es"})
    report_id = db.session.scalar(select(InspectionReport.id))
    page = client.get(f"/inspections/reports/{report_id}/review")
    assert "Hipoteca (prenda)" in page.text and "Cobertura de las ocho áreas" in page.text
