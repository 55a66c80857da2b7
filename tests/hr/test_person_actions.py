"""A person's page: qualifications, certificates, attempts and history; HR suspends,
revokes and grants extra exam time through it."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import BuildError

from trainer import formatting
from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.certification.models import CertificationEvent, EventKind
from trainer.exams.models import Accommodation, AttemptStatus, ExamAttempt
from trainer.extensions import db
from trainer.timeutil import utcnow

from tests import factories
from tests.factories import sign_in


def certificate(user_id: int, code: str = "inspector", expires_in: int = 200) -> int:
    """A year's certificate ending `expires_in` days from today."""
    return factories.certificate(user_id, code=code, starts_in=expires_in - 365, ends_in=expires_in).id


@pytest.fixture
def office(app):
    with app.app_context():
        home, other = factories.department(), factories.department()
        logins = {role: factories.user(role, dept=home).email for role in (Role.STAFF, Role.SUPERVISOR, Role.HR, Role.ADMIN)}
        hr = db.session.scalar(select(User).where(User.email == logins[Role.HR]))
        hr.full_name = "Helena Recursos"
        inspector = factories.user(dept=home, password=None)
        inspector.full_name = "Iris Inspector"
        stranger = factories.user(dept=other, password=None)
        db.session.commit()
        cert_id = certificate(inspector.id)
        now = utcnow()
        db.session.add(ExamAttempt(
            user_id=inspector.id, qualification="inspector", status=AttemptStatus.SUBMITTED,
            started_at=now - timedelta(minutes=40), deadline_at=now - timedelta(minutes=10), submit_until=now,
            pass_mark=75, review_policy="wrong_answers", submitted_at=now - timedelta(minutes=12), closed_by="deadline",
            question_count=20, correct_count=13, score=65, passed=False))
        db.session.add(CertificationEvent(user_id=inspector.id, qualification="inspector", certificate_id=cert_id,
                                          kind=EventKind.GRANTED, actor_id=None, reason="", at=now))
        db.session.commit()
        return {"logins": logins, "person": inspector.id, "stranger": stranger.id, "cert": cert_id}


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


def state_of(app, user_id: int, code: str = "inspector") -> str:
    with app.app_context():
        return certification.standing(user_id, code).state


def test_page_shows_qualifications_certificates_attempts_and_history(app, client, office):
    sign_in(client, office["logins"][Role.HR])
    html = client.get(f"/people/{office['person']}").get_data(as_text=True)
    qualifications = section(html, "qualifications-h")
    assert 'data-qualification="inspector" data-state="active"' in qualifications
    assert 'data-qualification="supervisor" data-state="none"' in qualifications
    with app.app_context():
        expires = formatting.day(certification.today() + timedelta(days=200))
        try:
            link = app.url_for("certification.certificate", certificate_id=office["cert"], _external=False)
        except BuildError:
            link = f"/certificates/{office['cert']}"
    assert expires in qualifications
    assert f'href="{link}"' in section(html, "certificates-h")
    attempts = section(html, "attempts-h")
    assert "65%" in attempts and "Not passed" in attempts and "the time limit" in attempts
    history = section(html, "history-h")
    assert "Granted" in history and "system" in history


def test_hr_suspends_with_a_reason_and_the_history_says_who_and_why(app, client, office):
    sign_in(client, office["logins"][Role.HR])
    response = client.post(f"/people/{office['person']}/suspend",
                           data={"suspend-qualification": "inspector", "suspend-reason": "Missed two field reviews"})
    assert response.status_code == 302
    assert state_of(app, office["person"]) == "suspended"
    html = client.get(response.location).get_data(as_text=True)
    assert "is suspended for Iris Inspector" in html
    history = section(html, "history-h")
    assert "Suspended" in history and "Helena Recursos" in history and "Missed two field reviews" in history


def test_admin_revokes(app, client, office):
    sign_in(client, office["logins"][Role.ADMIN])
    response = client.post(f"/people/{office['person']}/revoke",
                           data={"revoke-qualification": "inspector", "revoke-reason": "Falsified a report"})
    assert response.status_code == 302
    assert state_of(app, office["person"]) == "revoked"
    with app.app_context():
        event = db.session.scalar(select(CertificationEvent).where(CertificationEvent.kind == EventKind.REVOKED))
        assert event.reason == "Falsified a report" and event.actor_id is not None


@pytest.mark.parametrize("kind", ["suspend", "revoke"])
def test_a_reason_is_required(app, client, office, kind):
    sign_in(client, office["logins"][Role.HR])
    response = client.post(f"/people/{office['person']}/{kind}",
                           data={f"{kind}-qualification": "inspector", f"{kind}-reason": "   "})
    assert response.status_code == 422
    assert "Give a reason." in response.get_data(as_text=True)
    assert state_of(app, office["person"]) == "active"


def test_a_refused_change_is_explained(app, client, office):
    sign_in(client, office["logins"][Role.HR])
    response = client.post(f"/people/{office['person']}/suspend",
                           data={"suspend-qualification": "supervisor", "suspend-reason": "Complaint"})
    assert response.status_code == 422
    assert "The change was refused" in response.get_data(as_text=True)
    unknown = client.post(f"/people/{office['person']}/revoke",
                          data={"revoke-qualification": "pilot", "revoke-reason": "Complaint"})
    assert unknown.status_code == 422
    assert state_of(app, office["person"]) == "active"


def test_hr_grants_extra_time(app, client, office):
    sign_in(client, office["logins"][Role.HR])
    response = client.post(f"/people/{office['person']}/accommodation",
                           data={"accommodation-extra_percent": "50", "accommodation-reason": "Dyslexia report"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Accommodation, office["person"])
        assert (row.extra_percent, row.reason) == (50, "Dyslexia report")
    html = client.get(response.location).get_data(as_text=True)
    assert "Extra exam time: 50% (Dyslexia report), granted by Helena Recursos" in html


@pytest.mark.parametrize("percent, reason", [("0", "ok"), ("201", "ok"), ("half", "ok"), ("", "ok"), ("50", " ")])
def test_extra_time_needs_a_percentage_and_a_reason(app, client, office, percent, reason):
    sign_in(client, office["logins"][Role.HR])
    response = client.post(f"/people/{office['person']}/accommodation",
                           data={"accommodation-extra_percent": percent, "accommodation-reason": reason})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a percentage from 1 to 200." in html or "Give a reason." in html
    with app.app_context():
        assert db.session.get(Accommodation, office["person"]) is None


@pytest.mark.parametrize("role", [Role.STAFF, Role.SUPERVISOR])
@pytest.mark.parametrize("action, data", [
    ("suspend", {"suspend-qualification": "inspector", "suspend-reason": "x"}),
    ("revoke", {"revoke-qualification": "inspector", "revoke-reason": "x"}),
    ("accommodation", {"accommodation-extra_percent": "50", "accommodation-reason": "x"}),
])
def test_only_hr_and_admin_may_act(app, client, office, role, action, data):
    sign_in(client, office["logins"][role])
    assert client.post(f"/people/{office['person']}/{action}", data=data).status_code == 403
    assert state_of(app, office["person"]) == "active"
    with app.app_context():
        assert db.session.get(Accommodation, office["person"]) is None


def test_supervisor_reads_their_department_without_forms(client, office):
    sign_in(client, office["logins"][Role.SUPERVISOR])
    response = client.get(f"/people/{office['person']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="history-h"' in html and 'id="actions-h"' not in html and "/suspend" not in html
    assert client.get(f"/people/{office['stranger']}").status_code == 403


def test_hr_sees_the_forms(client, office):
    sign_in(client, office["logins"][Role.HR])
    html = client.get(f"/people/{office['person']}").get_data(as_text=True)
    actions = section(html, "actions-h")
    for action in ("suspend", "revoke", "accommodation"):
        assert f'action="/people/{office["person"]}/{action}"' in actions
    assert 'for="suspend-reason"' in actions and 'for="revoke-reason"' in actions


def test_an_early_renewal_shows_as_starting_later(app, client, office):
    with app.app_context():
        renewal = certificate(office["person"], expires_in=565)  # starts once the current one ends
    sign_in(client, office["logins"][Role.HR])
    html = client.get(f"/people/{office['person']}").get_data(as_text=True)
    certificates = section(html, "certificates-h")
    row = certificates[certificates.index(f"/{renewal}\""):]
    assert "Starts later" in row[:row.index("</tr>")]
    assert 'data-qualification="inspector" data-state="active"' in section(html, "qualifications-h")
