"""Token scopes: each endpoint needs its own; a token issued before scopes existed reads eligibility only."""
import pytest
from sqlalchemy import func, select, update

from trainer.api import services
from trainer.api.scopes import Scope
from trainer.people.models import Role, User
from trainer.api.models import ApiToken
from trainer.extensions import db
from trainer.inspections.models import InspectionReport

from tests import factories
from tests.api.test_tokens import TOKEN, admin  # noqa: F401 - fixture


def bearer(plaintext: str) -> dict:
    return {"Authorization": f"Bearer {plaintext}"}


def issue(app, *scopes: Scope) -> tuple[str, str]:
    """(plaintext, an employee number to ask about)."""
    with app.app_context():
        person = factories.user()
        _, plaintext = services.issue_token("Loan servicing", factories.user(Role.ADMIN), list(scopes))
        db.session.commit()
        return plaintext, person.employee_no


def report_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InspectionReport))


def test_an_eligibility_token_cannot_file_a_report(app, client):
    plaintext, employee_no = issue(app, Scope.ELIGIBILITY_READ)
    response = client.post("/api/v1/inspections", headers=bearer(plaintext),
                           json={"loan_no": "P-001", "author_employee_no": employee_no, "kind": "regular",
                                 "inspection_date": "2026-01-05", "submit": True})
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope" and response.get_json()["scope"] == "inspections:write"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="insufficient_scope"' in challenge
    assert 'scope="inspections:write"' in challenge
    assert report_count(app) == 0


def test_an_inspections_token_cannot_ask_eligibility(app, client):
    plaintext, employee_no = issue(app, Scope.INSPECTIONS_WRITE)
    response = client.get(f"/api/v1/eligibility/{employee_no}", headers=bearer(plaintext))
    assert response.status_code == 403 and response.get_json()["error"] == "insufficient_scope"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_token_with_both_scopes_may_do_both(app, client):
    plaintext, employee_no = issue(app, Scope.ELIGIBILITY_READ, Scope.INSPECTIONS_WRITE)
    assert client.get(f"/api/v1/eligibility/{employee_no}", headers=bearer(plaintext)).status_code == 200
    # Past the scope check: refused for what it sent, not for what the token may do.
    assert client.post("/api/v1/inspections", headers=bearer(plaintext), json=[]).get_json()["error"] == "invalid_request"


def test_a_token_issued_before_scopes_reads_eligibility_only(app, client):
    plaintext, employee_no = issue(app, Scope.ELIGIBILITY_READ, Scope.INSPECTIONS_WRITE)
    with app.app_context():
        db.session.execute(update(ApiToken).values(scopes=None))  # as every row stood before the column existed
        db.session.commit()
        assert db.session.scalar(select(ApiToken)).granted == {Scope.ELIGIBILITY_READ}
    assert client.get(f"/api/v1/eligibility/{employee_no}", headers=bearer(plaintext)).status_code == 200
    refused = client.post("/api/v1/inspections", headers=bearer(plaintext), json={})
    assert refused.status_code == 403 and refused.get_json()["error"] == "insufficient_scope"


def test_unauthenticated_is_still_401_before_any_scope(client):
    response = client.post("/api/v1/inspections", json={})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="trainer"'


def test_the_admin_chooses_scopes_and_a_person(app, client, admin):  # noqa: F811
    with app.app_context():
        person = factories.user()
        person_id, employee_no, name = person.id, person.employee_no, person.full_name
    issued = client.post("/admin/api-tokens/new", data={
        "name": "Loan servicing", "scopes": ["eligibility:read", "inspections:write"],
        "bound_employee_no": f" {employee_no} "})
    assert issued.status_code == 200
    plaintext = TOKEN.search(issued.text).group(0)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.granted == {Scope.ELIGIBILITY_READ, Scope.INSPECTIONS_WRITE}
        assert token.bound_user_id == person_id
    listing = client.get("/admin/api-tokens/").text
    assert "inspections:write" in listing and "eligibility:read" in listing
    assert f"{name} ({employee_no})" in listing
    assert client.get(f"/api/v1/eligibility/{employee_no}", headers=bearer(plaintext)).status_code == 200


def test_the_list_says_which_tokens_are_unbound_and_old(app, client, admin):  # noqa: F811
    with app.app_context():
        services.issue_token("Old system", db.session.get(User, admin["id"]))
        db.session.execute(update(ApiToken).values(scopes=None))
        db.session.commit()
    listing = client.get("/admin/api-tokens/").text
    assert "Nobody" in listing and "Issued before scopes: eligibility only" in listing


@pytest.mark.parametrize("data, field_error", [
    ({"name": "Loan servicing"}, "Choose at least one scope."),
    ({"name": "Loan servicing", "scopes": "admin:everything"}, "&#39;admin:everything&#39; is not a valid choice"),
    ({"name": "Loan servicing", "scopes": "inspections:write", "bound_employee_no": "NOBODY"},
     "No person has that employee number."),
])
def test_the_form_refuses_no_scope_an_unknown_scope_or_person(app, client, admin, data, field_error):  # noqa: F811
    response = client.post("/admin/api-tokens/new", data=data)
    assert response.status_code == 422 and field_error in response.text
    assert not TOKEN.search(response.text)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None
