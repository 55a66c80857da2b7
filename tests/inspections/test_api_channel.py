"""Nobody files in another person's name: only a token bound to the author submits through the API;
any other token leaves a draft the author submits in person. Every report keeps its channel."""
import pytest
from sqlalchemy import func, select

from trainer.api.scopes import Scope
from trainer.api.services import issue_token
from trainer.people.models import Role
from trainer.api.models import ApiToken
from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.channel import Channel
from trainer.inspections.models import InspectionReport, ReportChannel, ReportStatus

from tests import factories
from tests.factories import report_content
from tests.inspections.test_pages import api_payload, form_data


def filing_token(bank, bound_to=None) -> tuple[ApiToken, dict]:
    token, plaintext = issue_token("Loan servicing", factories.user(Role.ADMIN, dept=bank.home),
                                   [Scope.INSPECTIONS_WRITE], bound_to=bound_to)
    db.session.commit()  # the API's requests read it from their own sessions
    return token, {"Authorization": f"Bearer {plaintext}"}


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InspectionReport))


def test_an_unbound_token_leaves_a_draft_the_author_submits_on_the_web(bank, client, login):
    token, auth = filing_token(bank)
    response = client.post("/api/v1/inspections", json=api_payload(bank, submit=True), headers=auth)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["author_must_submit"] is True
    assert "submit it in person" in body["message"] and body["edit_url"].endswith(f"/inspections/reports/{body['id']}/edit")
    report_id = body["id"]
    db.session.expire_all()
    report = db.session.get(InspectionReport, report_id)
    assert (report.status, report.channel, report.api_token_id) == (ReportStatus.DRAFT, ReportChannel.API, token.id)

    # The API cannot submit it for the author, nor change it ...
    for attempt in (lambda: services.submit_report(bank.officer, report_id, 1, channel=Channel.api(token)),
                    lambda: services.save_report(bank.officer, report_id, 1, report_content(), channel=Channel.api(token))):
        with pytest.raises(services.InspectionError) as refused:
            attempt()
        assert refused.value.code == "submit_in_person" and refused.value.forbidden
    db.session.expire_all()
    assert (db.session.get(InspectionReport, report_id).status, db.session.get(InspectionReport, report_id).revision) \
        == (ReportStatus.DRAFT, 1)

    # ... the author opens it and submits it in person.
    login(bank.officer.email)
    mine = client.get("/inspections/")
    assert "via API" in mine.text
    submitted = client.post(f"/inspections/reports/{report_id}/edit", data=form_data(revision=1, action="submit"))
    assert submitted.status_code == 302
    db.session.expire_all()
    report = db.session.get(InspectionReport, report_id)
    assert report.status is ReportStatus.SUBMITTED and report.channel is ReportChannel.API  # created through the API
    page = client.get(f"/inspections/reports/{report_id}")
    assert "the API, with the token “Loan servicing” (no. %d)" % token.id in page.text


def test_the_service_refuses_to_submit_for_an_author_the_token_does_not_speak_for(bank):
    token, _auth = filing_token(bank)
    with pytest.raises(services.InspectionError) as refused:
        services.file_report(bank.officer, bank.loan, report_content(), submit=True, channel=Channel.api(token))
    assert refused.value.code == "submit_in_person"
    db.session.rollback()  # as the refused request does
    assert report_count() == 0, "a refused submission leaves no draft behind"


def test_a_token_bound_to_the_author_submits(bank, client):
    token, auth = filing_token(bank, bound_to=bank.officer)
    response = client.post("/api/v1/inspections", json=api_payload(bank, submit=True), headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "submitted" and body["author_must_submit"] is False and "edit_url" not in body
    report = db.session.get(InspectionReport, body["id"])
    assert (report.channel, report.api_token_id) == (ReportChannel.API, token.id)


def test_a_token_bound_to_one_person_cannot_file_as_another(bank, client):
    token, auth = filing_token(bank, bound_to=bank.officer)
    for submit in (True, False):
        response = client.post("/api/v1/inspections", headers=auth,
                               json=api_payload(bank, author_employee_no=bank.colleague.employee_no, submit=submit))
        assert response.status_code == 403 and response.get_json()["error"] == "token_bound_to_another"
    assert report_count() == 0
    with pytest.raises(services.InspectionError) as refused:
        services.file_report(bank.colleague, bank.loan, report_content(), channel=Channel.api(token))
    assert refused.value.code == "token_bound_to_another"


def test_a_report_typed_on_the_web_says_so(bank, client, login):
    login(bank.officer.email)
    response = client.post(f"/inspections/loans/{bank.loan.id}/reports/new", data=form_data(action="submit"))
    assert response.status_code == 302
    report = db.session.scalar(select(InspectionReport))
    assert (report.channel, report.api_token_id) == (ReportChannel.WEB, None)
    page = client.get(f"/inspections/reports/{report.id}")
    assert "Created through" in page.text and "the web" in page.text and "via API" not in client.get("/inspections/").text


def test_the_supervisor_sees_the_channel_in_the_queue(bank, client, login):
    _token, auth = filing_token(bank, bound_to=bank.officer)
    assert client.post("/api/v1/inspections", json=api_payload(bank, submit=True), headers=auth).status_code == 201
    login(bank.supervisor.email)
    assert "via API" in client.get("/inspections/review").text


def test_the_audit_pack_carries_the_channel(bank, client):
    from trainer.audit.build import row  # what the pack writes for each report

    token, auth = filing_token(bank, bound_to=bank.officer)
    report_id = client.post("/api/v1/inspections", json=api_payload(bank, submit=True), headers=auth).get_json()["id"]
    body = row(db.session.get(InspectionReport, report_id))
    assert (body["channel"], body["api_token_id"]) == ("api", token.id)
