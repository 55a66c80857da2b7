"""The eligibility API answers with the gate's rule, for token holders only: `eligible` is what the
gate would do with an act dated that day recorded now; `qualified` is the record of that day."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from trainer.api import services
from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.api.models import ApiToken
from trainer.extensions import db

from trainer.timeutil import add_months

from tests import factories

# Granted on 1 March 2024 (bank time): valid 2024-03-01 to 2025-02-28, renewal window from 2024-12-30.
GRANTED = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2024, 6, 1, 9, 0, tzinfo=timezone.utc)


def days_ago(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


@pytest.fixture
def admin_id(app):
    with app.app_context():
        return factories.user(Role.ADMIN).id


@pytest.fixture
def bearer(app, admin_id):
    with app.app_context():
        _, plaintext = services.issue_token("Loan servicing", db.session.get(User, admin_id))
        db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def person_with(app, *grants, active=True, ended=None):
    """A person holding certificates: grants are (code, granted at); `ended` is (how, code, when)."""
    with app.app_context():
        person = factories.user(active=active)
        for code, at in grants:
            certification.grant_for_pass(person, code, None, now=at)
        if ended:
            how, code, at = ended
            actor = factories.user(Role.HR)
            getattr(certification, how)(person, code, actor, "audit finding", now=at)
        db.session.commit()
        return person.employee_no


def ask(client, headers, employee_no, **params):
    return client.get(f"/api/v1/eligibility/{employee_no}", query_string=params, headers=headers)


def answer(client, headers, employee_no, code="inspector", on="2024-06-01"):
    response = ask(client, headers, employee_no, qualification=code, on=on)
    assert response.status_code == 200, response.json
    return response.json["qualifications"][code]


def test_a_valid_inspector_is_eligible_and_a_person_without_a_certificate_is_not(app, client, bearer):
    granted = days_ago(30)
    holder = person_with(app, ("inspector", granted))
    nobody = person_with(app)
    with app.app_context():
        valid_from, on = certification.today(granted), certification.today() - timedelta(days=10)
        expires_on = add_months(valid_from, 12) - timedelta(days=1)
    response = ask(client, bearer, holder, on=on.isoformat())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["employee_no"] == holder and response.json["on"] == on.isoformat()
    assert response.json["active"] is True
    with app.app_context():
        assert set(response.json["qualifications"]) == set(certification.definitions())
    assert response.json["qualifications"]["inspector"] == {
        "eligible": True, "reason": None, "qualified": True, "state": "active",
        "valid_from": valid_from.isoformat(), "expires_on": expires_on.isoformat()}
    assert response.json["qualifications"]["supervisor"] == {
        "eligible": False, "reason": "never_qualified", "qualified": False, "state": "none",
        "valid_from": None, "expires_on": None}
    assert answer(client, bearer, nobody, on=on.isoformat()) == {
        "eligible": False, "reason": "never_qualified", "qualified": False, "state": "none",
        "valid_from": None, "expires_on": None}


def test_the_record_follows_the_date_asked_about(app, client, bearer):
    holder = person_with(app, ("inspector", GRANTED))
    assert answer(client, bearer, holder, on="2024-02-29")["qualified"] is False  # before validity
    assert answer(client, bearer, holder, on="2024-03-01")["qualified"] is True
    expiring = answer(client, bearer, holder, on="2025-01-15")
    assert expiring["qualified"] is True and expiring["state"] == "expiring"
    assert answer(client, bearer, holder, on="2025-02-28")["qualified"] is True  # the last valid day
    expired = answer(client, bearer, holder, on="2025-03-01")
    assert expired["qualified"] is False and expired["state"] == "expired"
    # Long expired now: nothing dated then may be recorded any more, nor dated beyond the window.
    assert {answer(client, bearer, holder, on=day)["eligible"] for day in ("2024-06-01", "2025-01-15")} == {False}


def test_without_a_date_the_answer_is_for_today(app, client, bearer):
    holder = person_with(app, ("inspector", datetime.now(timezone.utc)))
    response = ask(client, bearer, holder, qualification="inspector")
    with app.app_context():
        today = certification.today().isoformat()
    assert response.json["on"] == today
    assert response.json["qualifications"]["inspector"]["eligible"] is True


def test_suspended_and_revoked_people_are_not_eligible_after_the_change(app, client, bearer):
    granted, ended = days_ago(60), days_ago(10)
    suspended = person_with(app, ("inspector", granted), ended=("suspend", "inspector", ended))
    revoked = person_with(app, ("inspector", granted), ended=("revoke", "inspector", ended))
    with app.app_context():
        after, before = certification.today() - timedelta(days=5), certification.today(ended) - timedelta(days=1)
    for employee_no, state in ((suspended, "suspended"), (revoked, "revoked")):
        answered = answer(client, bearer, employee_no, on=after.isoformat())
        assert (answered["eligible"], answered["reason"], answered["qualified"], answered["state"]) == (
            False, state, False, state)
        # The record of what was true before the change stays intact, but nothing dated then may be
        # recorded now: the gate refuses a stopped person whatever the date, and so does the answer.
        earlier = answer(client, bearer, employee_no, on=before.isoformat())
        assert (earlier["qualified"], earlier["state"], earlier["eligible"], earlier["reason"]) == (
            True, "active", False, state)


def test_a_supervisor_is_eligible_only_while_an_inspector_certificate_covers_the_day(app, client, bearer):
    both = person_with(app, ("inspector", GRANTED), ("supervisor", GRANTED))
    supervisor_only = person_with(app, ("supervisor", GRANTED))
    lapsed_inspector = person_with(app, ("inspector", datetime(2023, 1, 10, 9, 0, tzinfo=timezone.utc)),
                                   ("supervisor", datetime(2023, 6, 1, 9, 0, tzinfo=timezone.utc)))
    assert answer(client, bearer, both, "supervisor")["qualified"] is True
    alone = answer(client, bearer, supervisor_only, "supervisor")
    assert alone["qualified"] is False and alone["state"] == "active"
    on = "2024-03-01"  # inspector expired 2024-01-09, supervisor valid until 2024-05-31
    assert answer(client, bearer, lapsed_inspector, "inspector", on)["state"] == "expired"
    lapsed = answer(client, bearer, lapsed_inspector, "supervisor", on)
    assert lapsed["qualified"] is False and lapsed["state"] == "active"
    assert answer(client, bearer, lapsed_inspector, "supervisor", "2023-12-01")["qualified"] is True


def test_a_deactivated_person_is_never_eligible(app, client, bearer):
    former = person_with(app, ("inspector", GRANTED), active=False)
    response = ask(client, bearer, former, qualification="inspector", on="2024-06-01")
    assert response.status_code == 200 and response.json["active"] is False
    assert response.json["qualifications"]["inspector"]["eligible"] is False
    assert response.json["qualifications"]["inspector"]["state"] == "active"


def test_asking_about_one_qualification_answers_only_that_one(app, client, bearer):
    holder = person_with(app, ("inspector", GRANTED))
    response = ask(client, bearer, holder, qualification="supervisor", on="2024-06-01")
    assert list(response.json["qualifications"]) == ["supervisor"]


@pytest.mark.parametrize("header", [
    None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer trn_not-a-real-token", "Bearer trn_" + "x" * 200,
    "Token {plaintext}", "{plaintext}",
])
def test_requests_without_a_valid_token_are_refused(app, client, bearer, header):
    holder = person_with(app, ("inspector", GRANTED))
    plaintext = bearer["Authorization"].removeprefix("Bearer ")
    headers = {} if header is None else {"Authorization": header.format(plaintext=plaintext)}
    response = ask(client, headers, holder)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized" and response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "qualifications" not in response.json


def test_a_revoked_token_is_refused(app, client, bearer, admin_id):
    holder = person_with(app, ("inspector", GRANTED))
    assert ask(client, bearer, holder).status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        services.revoke_token(token, db.session.get(User, admin_id))
        db.session.commit()
    response = ask(client, bearer, holder)
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_browser_session_is_not_an_api_credential(app, client, login, admin_id):
    with app.app_context():
        admin = db.session.get(User, admin_id)
        email, employee_no = admin.email, admin.employee_no
    login(email)
    assert ask(client, {}, employee_no).status_code == 401


def test_the_scheme_name_is_case_insensitive_and_uses_are_counted(app, client, bearer):
    holder = person_with(app, ("inspector", GRANTED))
    lower = {"Authorization": bearer["Authorization"].replace("Bearer", "bearer")}
    assert ask(client, lower, holder).status_code == 200
    assert ask(client, bearer, holder).status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.use_count == 2 and token.last_used_at is not None


@pytest.mark.parametrize("on", ["", "2024-13-01", "2024-02-30", "01/06/2024", "20240601", "2024-6-1", "2024-W22-6",
                                "tomorrow"])
def test_a_malformed_date_is_a_bad_request(app, client, bearer, on):
    holder = person_with(app, ("inspector", GRANTED))
    response = ask(client, bearer, holder, on=on)
    assert response.status_code == 400 and response.json["error"] == "invalid_date"


def test_an_unknown_qualification_is_a_bad_request(app, client, bearer):
    holder = person_with(app, ("inspector", GRANTED))
    response = ask(client, bearer, holder, qualification="astronaut")
    assert response.status_code == 400 and response.json["error"] == "unknown_qualification"
    assert "astronaut" in response.json["message"]


def test_an_unknown_employee_is_not_found(app, client, bearer):
    response = ask(client, bearer, "NOBODY-1", on="2024-06-01")
    assert response.status_code == 404 and response.json["error"] == "unknown_employee"
    assert response.headers["Cache-Control"] == "no-store"


def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_eligible_is_what_the_gate_would_do_with_a_report_dated_that_day(app, client, bearer):
    """Before, an inspector whose certificate expired yesterday was `eligible` for last week, when the
    gate refuses to file that report; a future day or one beyond the filing window is refused too."""
    expired = person_with(app, ("inspector", days_ago(365)))
    holder = person_with(app, ("inspector", days_ago(100)))
    with app.app_context():
        today = certification.today()
    last_week = answer(client, bearer, expired, on=(today - timedelta(days=7)).isoformat())
    assert (last_week["qualified"], last_week["eligible"], last_week["reason"]) == (True, False, "expired")
    for offset, reason in ((1, "future_date"), (-46, "too_old")):
        answered = answer(client, bearer, holder, on=(today + timedelta(days=offset)).isoformat())
        assert (answered["qualified"], answered["eligible"], answered["reason"]) == (True, False, reason)
    assert answer(client, bearer, holder, on=(today - timedelta(days=45)).isoformat())["eligible"] is True


def test_employee_numbers_match_whatever_their_case(app, client, bearer):
    holder = person_with(app, ("inspector", days_ago(30)))
    response = ask(client, bearer, f" {holder.lower()} ".strip())
    assert response.status_code == 200 and response.json["employee_no"] == holder
