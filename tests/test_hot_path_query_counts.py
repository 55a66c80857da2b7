"""The requests people and systems make most keep a small, fixed number of queries: an exam
autosave, a submit, the eligibility API (one person, and a batch whatever its size)."""
from datetime import date, timedelta

from sqlalchemy import select

from trainer.api import services as api
from trainer.people.models import Role, User
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
    # the session's identity (user and roles, one row set) and the guarded UPDATE, which returns the answered
    # count and the clock: no ORM objects. The attempt's questions are read on its first save in the process.
    assert counts == [3, 2, 2], counts
    with count_queries() as queries:
        many = client.post(f"/exams/attempts/{attempt_id}/answers",
                           json={"answers": {str(p): key[p] for p in range(4, 14)}})
    assert many.status_code == 200
    assert len(queries) == 2, len(queries)  # ten answers, still one UPDATE
    form = {"positions": [str(p) for p in key], **{f"q-{p}": chosen for p, chosen in key.items()}}
    with count_queries() as queries:
        result = client.post(f"/exams/attempts/{attempt_id}/submit", data=form)
    assert result.status_code == 302
    with app.app_context():
        assert db.session.get(ExamAttempt, attempt_id).passed
    assert len(queries) <= SUBMIT_QUERIES, len(queries)


# identity, the attempt, the save (its answers in one UPDATE), the flip, the answers read, correctness and score
# written, then on a pass the person, the certificates, the new certificate and its event: 12 today
SUBMIT_QUERIES = 12


def test_eligibility_single_and_batch(app, client, count_queries):
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        numbers = [factories.user().employee_no for _ in range(5)]
        _, plaintext = api.issue_token("Loan servicing", db.session.get(User, admin.id))
        db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    with count_queries() as single:
        assert client.get(f"/api/v1/eligibility/{numbers[0]}", headers=headers).status_code == 200
    # the token found, the person, the certificates in force today (asked for today: one day), and the
    # token's use counted last (so its row is locked only until the commit); `on` another day adds that
    # day's certificates
    assert len(single) == 4, len(single)
    with count_queries() as other_day:
        other = date.today() - timedelta(days=3)
        assert client.get(f"/api/v1/eligibility/{numbers[0]}?on={other}", headers=headers).status_code == 200
    assert len(other_day) <= 5, len(other_day)
    with count_queries() as one:
        assert client.post("/api/v1/eligibility:batch", json={"employee_nos": numbers[:1]}, headers=headers).status_code == 200
    with count_queries() as five:
        assert client.post("/api/v1/eligibility:batch", json={"employee_nos": numbers}, headers=headers).status_code == 200
    assert len(one) == len(five) <= len(single)
