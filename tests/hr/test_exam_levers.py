"""HR's exam levers on the person page: an extra attempt or a cooldown reset for one
qualification, with a reason, in the audit trail, decided by the one eligibility rule."""
import json

import pytest
from sqlalchemy import select

from trainer.audit_log.models import AuditEvent
from trainer.people.models import Role, User
from trainer.exams import services as exams
from trainer.exams.models import ExamAllowance
from trainer.extensions import db

from tests.hr.test_person_actions import office, section, sign_in  # noqa: F401 (fixture)


def lever(client, person_id: int, kind: str, reason: str = "Power cut in the exam room", code: str = "inspector"):
    return client.post(f"/people/{person_id}/exam-lever",
                       data={"lever-qualification": code, "lever-lever": kind, "lever-reason": reason})


def test_hr_resets_the_cooldown_and_the_person_may_start_at_once(app, client, office):
    with app.app_context():  # the office's inspector failed 12 minutes ago; the wait is 15
        person = db.session.get(User, office["person"])
        assert exams.eligibility(person, "inspector").cooldown_until is not None
    sign_in(client, office["logins"][Role.HR])
    response = lever(client, office["person"], "cooldown_reset")
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "may start the Post-loan inspector exam again without waiting" in html
    levers = section(html, "levers-h")
    assert 'data-kind="cooldown_reset"' in levers and "Power cut in the exam room" in levers
    assert "Helena Recursos" in levers
    with app.app_context():
        person = db.session.get(User, office["person"])
        check = exams.eligibility(person, "inspector")
        assert check.cooldown_until is None and check.cooldown_waived
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "exam.cooldown_reset"))
        assert event.person_id == person.id and json.loads(event.after)["reason"] == "Power cut in the exam room"


def test_admin_grants_an_extra_attempt_shown_as_available(app, client, office):
    sign_in(client, office["logins"][Role.ADMIN])
    assert lever(client, office["person"], "extra_attempt", "Attempt lost to a browser crash").status_code == 302
    levers = section(client.get(f"/people/{office['person']}").get_data(as_text=True), "levers-h")
    assert 'data-kind="extra_attempt"' in levers and "Available" in levers
    with app.app_context():
        person = db.session.get(User, office["person"])
        assert exams.eligibility(person, "inspector").extra_attempts == 1
        assert db.session.scalar(select(AuditEvent.kind).where(AuditEvent.kind == "exam.extra_attempt"))


@pytest.mark.parametrize("data", [
    {"lever-qualification": "inspector", "lever-lever": "extra_attempt", "lever-reason": ""},
    {"lever-qualification": "inspector", "lever-reason": "No action chosen"},
    {"lever-qualification": "nonexistent", "lever-lever": "extra_attempt", "lever-reason": "x"},
    {"lever-qualification": "inspector", "lever-lever": "everything", "lever-reason": "x"},
])
def test_incomplete_or_invalid_requests_are_refused_with_nothing_stored(app, client, office, data):
    sign_in(client, office["logins"][Role.HR])
    response = client.post(f"/people/{office['person']}/exam-lever", data=data)
    assert response.status_code == 422
    assert "Choose the qualification and the action, and give a reason." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ExamAllowance)) is None


def test_a_reset_with_nothing_to_wait_for_and_a_grant_to_oneself_are_explained(app, client, office):
    sign_in(client, office["logins"][Role.HR])
    with app.app_context():
        hr_id = db.session.scalar(select(User.id).where(User.email == office["logins"][Role.HR]))
    response = lever(client, hr_id, "extra_attempt")
    assert response.status_code == 422 and "cannot grant this to yourself" in response.get_data(as_text=True)
    assert lever(client, office["person"], "cooldown_reset").status_code == 302
    again = lever(client, office["person"], "cooldown_reset")
    assert again.status_code == 422 and "There is no wait to reset" in again.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.STAFF, Role.SUPERVISOR])
def test_only_hr_and_admin_may_grant(app, client, office, role):
    sign_in(client, office["logins"][role])
    assert lever(client, office["person"], "extra_attempt").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ExamAllowance)) is None


def test_a_supervisor_sees_the_grants_of_their_department_without_the_form(app, client, office):
    sign_in(client, office["logins"][Role.HR])
    lever(client, office["person"], "extra_attempt", "Documented illness")
    client.post("/logout")
    sign_in(client, office["logins"][Role.SUPERVISOR])
    html = client.get(f"/people/{office['person']}").get_data(as_text=True)
    levers = section(html, "levers-h")
    assert "Documented illness" in levers and "/exam-lever" not in levers
    assert client.post(f"/people/{office['stranger']}/exam-lever",
                       data={"lever-qualification": "inspector", "lever-lever": "extra_attempt",
                             "lever-reason": "x"}).status_code == 403
