"""Sitting an exam through the HTTP client."""
import re

import pytest
from sqlalchemy import func, select

from trainer.people.models import User
from trainer.certification.models import Certificate
from trainer.exams import services as exams
from trainer.exams.models import AttemptItem, AttemptStatus, ExamAttempt
from trainer.extensions import db

from tests import factories
from tests.factories import answers


def start(client) -> int:
    response = client.post("/exams/inspector/start")
    assert response.status_code == 302
    return int(re.search(r"/attempts/(\d+)", response.location).group(1))


def key_for(app, attempt_id):
    with app.app_context():
        return answers(db.session.get(ExamAttempt, attempt_id))


def test_overview_explains_what_is_missing(app, client):
    with app.app_context():
        factories.load_content()
        email = factories.user().email
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    page = client.get("/exams/").get_data(as_text=True)
    assert "You cannot start this exam yet" in page
    assert page.count("/modules/") >= 6 and "You need a valid" in page  # modules, and inspector before supervisor
    assert client.post("/exams/inspector/start").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 0


def test_answer_key_never_reaches_the_page(app, client, candidate):
    attempt_id = start(client)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    with app.app_context():
        items = exams.items_of(db.session.get(ExamAttempt, attempt_id))
        explanations = [i.question_version.body["explanation"]["en"] for i in items]
    assert page.count('class="card mb-3 question"') == 20
    assert not any(text[:60] in page for text in explanations)
    assert not re.search(r"<[^>]*correct[^>]*>", page)  # no tag or attribute marks an answer


def test_sit_with_autosave_reload_and_submit(app, client, candidate):
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    for position in (1, 2, 3):
        response = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {str(position): key[position]}})
        assert response.status_code == 200 and response.json["answered"] == position
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)  # a reload keeps the answers
    assert page.count("checked") >= 3 and "3 of 20 answered" in page
    form = {"positions": [str(p) for p in key]}
    for position, chosen in key.items():
        form[f"q-{position}"] = chosen
    result = client.post(f"/exams/attempts/{attempt_id}/submit", data=form)
    assert result.status_code == 302 and result.location.endswith(f"/attempts/{attempt_id}/result")
    page = client.get(result.location).get_data(as_text=True)
    assert "Passed" in page and "100%" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_failed_attempt_review_shows_wrong_answers_with_explanations(app, client, candidate):
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    form = {"positions": [str(p) for p in key], "q-1": key[1]}
    client.post(f"/exams/attempts/{attempt_id}/submit", data=form)
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed" in page and "5%" in page
    assert page.count("Incorrect") == 19 and "Why:" in page


def test_tampered_autosave_is_refused_with_json_and_changes_nothing(app, client, candidate):
    attempt_id = start(client)
    bad_option = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": ["zzz"]}})
    assert bad_option.status_code == 400 and bad_option.json["error"] == "unknown_option"
    bad_question = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"77": ["a"]}})
    assert bad_question.status_code == 400 and bad_question.json["error"] == "unknown_question"
    garbage = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": "all of them"})
    assert garbage.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AttemptItem).where(AttemptItem.selected.is_not(None))) == 0


def test_someone_elses_attempt_is_404(app, client, candidate):
    attempt_id = start(client)
    with app.app_context():
        intruder = factories.user().email
    other = app.test_client()
    other.post("/login", data={"login": intruder, "password": factories.PASSWORD})
    assert other.get(f"/exams/attempts/{attempt_id}").status_code == 404
    assert other.post(f"/exams/attempts/{attempt_id}/submit", data={}).status_code == 404
    assert other.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": []}}).status_code == 404
    with app.app_context():
        assert db.session.get(ExamAttempt, attempt_id).submitted_at is None


def test_replayed_submit_gives_the_same_result(app, client, candidate):
    attempt_id = start(client)
    first = client.post(f"/exams/attempts/{attempt_id}/submit", data={})
    second = client.post(f"/exams/attempts/{attempt_id}/submit", data={"positions": ["1"], "q-1": ["a"]})
    assert first.location == second.location
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert attempt.score == 0
        assert db.session.scalar(select(func.count()).select_from(AttemptItem).where(AttemptItem.selected.is_not(None))) == 0


@pytest.mark.parametrize("change", ["deactivated", "password changed", "logged out elsewhere"])
def test_the_light_session_check_of_autosave_and_submit_refuses_like_every_page(app, client, candidate, change):
    """Autosave and submit read only the session's identity (no ORM user), with the same checks:
    a deactivated account or an ended session (new password, logout elsewhere) loses them at once."""
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    assert client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": key[1]}}).status_code == 200
    with app.app_context():
        person = db.session.get(User, candidate)
        if change == "deactivated":
            person.active = False
        else:
            person.session_version += 1  # what a password change and "log out everywhere" do
        db.session.commit()
    refused = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"2": key[2]}})
    assert refused.status_code in (302, 401), refused.status_code
    assert client.post(f"/exams/attempts/{attempt_id}/submit", data={}).location.startswith("/login")
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert attempt.status is AttemptStatus.IN_PROGRESS
        stored = {i.position: i.selected for i in exams.items_of(attempt)}
        assert stored[1] is not None and stored[2] is None


def test_a_page_rendered_from_the_light_identity_still_knows_the_person(app, client, candidate):
    """An error page on autosave renders the navigation (name, department) from the full user, loaded then."""
    with app.app_context():
        person = db.session.get(User, candidate)
        name = person.full_name
    page = client.post("/exams/attempts/999999/answers", data={"positions": "1"})
    assert page.status_code == 404
    assert name in page.get_data(as_text=True)


def test_only_a_plain_autosave_commits_without_waiting_for_the_disk(app, client, candidate):
    """On PostgreSQL an autosave's commit need not wait for the disk (the submit carries every answer again):
    its one statement runs on its own (autocommit) and relaxes its own commit, and nothing after it on the
    same connection. A submit, which grades and grants the certificate, and an autosave that closes an
    overdue attempt commit durably: what is seen is the setting in force when those requests commit."""
    from datetime import timedelta

    from sqlalchemy import event, text
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from tests.factories import read_modules

    with app.app_context():  # someone else, whose attempt will be overdue
        late_person = factories.user()
        read_modules(late_person, "inspector")
        late_email = late_person.email
    late_client = app.test_client()
    late_client.post("/login", data={"login": late_email, "password": factories.PASSWORD})
    late_id = start(late_client)
    with app.app_context():
        late = db.session.get(ExamAttempt, late_id)
        late.deadline_at = late.submit_until = late.started_at - timedelta(minutes=1)
        db.session.commit()
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    form = {"positions": [str(p) for p in key], **{f"q-{p}": chosen for p, chosen in key.items()}}
    postgresql = db_is_postgresql(app)

    writes: list[tuple[str, dict, bool]] = []  # an autosave's writes: statement, parameters, autocommit

    def record_write(conn, _cursor, statement, parameters, _context, _many):
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            writes.append((statement, parameters, getattr(conn.connection.dbapi_connection, "autocommit", None)))

    event.listen(Engine, "before_cursor_execute", record_write)
    try:
        assert client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": key[1]}}).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", record_write)
    if postgresql:
        [(statement, parameters, autocommit)] = writes
        assert autocommit and statement.startswith("UPDATE attempt_items") and "set_config" in statement
        assert {"synchronous_commit", "off"} <= set(parameters.values()), parameters
        with app.app_context():  # set for that statement's own transaction only: not for what follows it
            assert db.session.scalar(text("SELECT current_setting('synchronous_commit')")) == "on"

    at_commit: list[str] = []

    def record(session):
        if session.get_bind().dialect.name == "postgresql":
            at_commit.append(session.scalar(text("SELECT current_setting('synchronous_commit')")))

    event.listen(Session, "before_commit", record)
    try:
        assert client.post(f"/exams/attempts/{attempt_id}/submit", data=form).status_code == 302
        late_save = late_client.post(f"/exams/attempts/{late_id}/answers", json={"answers": {"1": []}})
    finally:
        event.remove(Session, "before_commit", record)
    assert late_save.status_code == 409
    with app.app_context():
        assert db.session.get(ExamAttempt, late_id).status is not AttemptStatus.IN_PROGRESS  # closed, and kept
    if postgresql:  # the submit; the late save's reads, then its closure in a transaction of its own
        assert at_commit == ["on", "on", "on"]


def db_is_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"
