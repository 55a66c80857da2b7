"""POST /api/v1/eligibility:batch: the single form's answer for many people, same scope, a fixed
number of queries however many people are asked about, and a limit on how many."""
from datetime import datetime, timezone

import pytest

from trainer.api import services
from trainer.api.scopes import Scope
from trainer.people.models import Role, User
from trainer.extensions import db

from tests.api.test_eligibility import GRANTED, LATER, days_ago, person_with

URL = "/api/v1/eligibility:batch"


@pytest.fixture
def admin(app):
    from tests import factories

    with app.app_context():
        return factories.user(Role.ADMIN).id


def token(app, admin, *scopes):
    with app.app_context():
        _, plaintext = services.issue_token("Loan servicing", db.session.get(User, admin), scopes or (Scope.ELIGIBILITY_READ,))
        db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def people(app):
    """Employee numbers in several standings: qualified long ago and since expired, qualified
    recently, suspended, deactivated, never qualified, and one with both qualifications."""
    recent = days_ago(10)
    return [
        person_with(app, ("inspector", GRANTED)),
        person_with(app, ("inspector", recent)),
        person_with(app, ("inspector", recent), ended=("suspend", "inspector", days_ago(2))),
        person_with(app, ("inspector", recent), active=False),
        person_with(app),
        person_with(app, ("inspector", recent), ("supervisor", recent)),
    ]


@pytest.mark.parametrize("params", [{}, {"qualification": "inspector"}, {"on": "2024-06-01"},
                                    {"qualification": "supervisor", "on": datetime.now(timezone.utc).date().isoformat()}])
def test_each_answer_is_the_single_forms(app, client, admin, people, params):
    headers = token(app, admin)
    response = client.post(URL, json={"employee_nos": people, **params}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["unknown"] == []
    singles = [client.get(f"/api/v1/eligibility/{number}", query_string=params, headers=headers).json for number in people]
    assert body["results"] == singles
    if "on" not in params:  # the people above do differ in their answers today
        assert {answer["qualifications"]["inspector"]["reason"] for answer in singles} >= {None, "suspended", "inactive"}


def test_unknown_and_repeated_numbers(app, client, admin, people):
    response = client.post(URL, json={"employee_nos": [people[1].lower(), "NOBODY-1", people[1], " " + people[0]]},
                           headers=token(app, admin))
    assert response.status_code == 200
    assert [r["employee_no"] for r in response.json["results"]] == [people[1], people[0]]
    assert response.json["unknown"] == ["NOBODY-1"]


def test_queries_do_not_grow_with_the_batch(app, client, admin, people, count_queries):
    headers = token(app, admin)
    with count_queries() as one:
        assert client.post(URL, json={"employee_nos": people[:1]}, headers=headers).status_code == 200
    with count_queries() as all_of_them:
        assert client.post(URL, json={"employee_nos": people}, headers=headers).status_code == 200
    assert len(one) == len(all_of_them) <= 8


def test_same_scope_as_the_single_form(app, client, admin, people):
    assert client.post(URL, json={"employee_nos": people}).status_code == 401
    writer = token(app, admin, Scope.INSPECTIONS_WRITE)
    refused = client.post(URL, json={"employee_nos": people}, headers=writer)
    assert refused.status_code == 403 and refused.json["scope"] == "eligibility:read"
    assert client.get(f"/api/v1/eligibility/{people[0]}", headers=writer).status_code == 403


@pytest.mark.parametrize("body, status, code", [
    (None, 400, "invalid_request"),
    ([], 400, "invalid_request"),
    ({"employee_nos": []}, 400, "invalid_request"),
    ({"employee_nos": "E1"}, 400, "invalid_request"),
    ({"employee_nos": [1, 2]}, 400, "invalid_request"),
    ({"employee_nos": ["x" * 65]}, 400, "invalid_request"),
    ({"employee_nos": ["E1"], "on": "yesterday"}, 400, "invalid_date"),
    ({"employee_nos": ["E1"], "on": 20240601}, 400, "invalid_date"),
    ({"employee_nos": ["E1"], "qualification": "pilot"}, 400, "unknown_qualification"),
    ({"employee_nos": ["E1"], "qualification": ["inspector"]}, 400, "unknown_qualification"),
    ({"employee_nos": [f"E{i}" for i in range(services.MAX_BATCH + 1)]}, 413, "too_many_employees"),
])
def test_refused_bodies_are_json_errors(app, client, admin, body, status, code):
    response = client.post(URL, json=body, headers=token(app, admin))
    assert response.status_code == status
    assert response.json["error"] == code and response.json["message"]


def test_the_limit_itself_is_answered(app, client, admin, people):
    numbers = (people * (services.MAX_BATCH // len(people) + 1))[:services.MAX_BATCH]
    response = client.post(URL, json={"employee_nos": numbers}, headers=token(app, admin))
    assert response.status_code == 200
    assert len(response.json["results"]) == len(people)
