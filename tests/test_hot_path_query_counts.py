"""The requests people and systems make most keep a small, fixed number of queries: an exam
autosave, a submit, the eligibility API (one person, and a batch whatever its size)."""
from sqlalchemy import select

from trainer.api import services as api
from trainer.auth.models import Role, User
from trainer.exams.models import ExamAttempt
from trainer.extensions import db

from tests import factories
from tests.exams.conftest import candidate  # noqa: F401 - a fixture
from tests.exams.test_exam_pages import key_for, start


def test_autosave_and_submit(app, client, candidate, count_queries):  # noqa: F811
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    counts = []
    for position in (1, 2, 3):
        with count_queries() as queries:
            response = client.post(f"/exams/attempts/{attempt_id}/answers",
                                   json={"answers": {str(position): key[position]}})
        assert response.status_code == 200
        counts.append(len(queries))
    # user + roles, the attempt, its items, the guard (FOR SHARE), the UPDATE, the count: no reload for the clock
    assert counts[0] == counts[1] == counts[2] <= 7, counts
    with count_queries() as queries:
        many = client.post(f"/exams/attempts/{attempt_id}/answers",
                           json={"answers": {str(p): key[p] for p in range(4, 14)}})
    assert many.status_code == 200
    assert len(queries) <= counts[0] + 9  # one guarded UPDATE per answer, nothing else per answer
    form = {"positions": [str(p) for p in key], **{f"q-{p}": chosen for p, chosen in key.items()}}
    with count_queries() as queries:
        result = client.post(f"/exams/attempts/{attempt_id}/submit", data=form)
    assert result.status_code == 302
    with app.app_context():
        assert db.session.get(ExamAttempt, attempt_id).passed
    assert len(queries) <= SUBMIT_QUERIES, len(queries)


SUBMIT_QUERIES = 36  # save, grade, certificate, events, audit: 34 today


def test_eligibility_single_and_batch(app, client, count_queries):
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        numbers = [factories.user().employee_no for _ in range(5)]
        _, plaintext = api.issue_token("Loan servicing", db.session.get(User, admin.id))
    headers = {"Authorization": f"Bearer {plaintext}"}
    with count_queries() as single:
        assert client.get(f"/api/v1/eligibility/{numbers[0]}", headers=headers).status_code == 200
    # the token (read, count the use), the person (+ roles), the certificates on the day and today
    assert len(single) <= 5, len(single)
    with count_queries() as one:
        assert client.post("/api/v1/eligibility:batch", json={"employee_nos": numbers[:1]}, headers=headers).status_code == 200
    with count_queries() as five:
        assert client.post("/api/v1/eligibility:batch", json={"employee_nos": numbers}, headers=headers).status_code == 200
    assert len(one) == len(five) <= len(single)
