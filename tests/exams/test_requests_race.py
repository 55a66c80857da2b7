"""Requests of one person racing on one attempt through the pages (two tabs, a double click): each
request is one transaction, so a save that submits next, or closes an overdue attempt, holds the
attempt's row until its request ends; racing requests take turns and never deadlock."""
import queue
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from trainer.people.models import User
from trainer.certification.models import Certificate
from trainer.exams import answering
from trainer.exams import services as exams
from trainer.exams.models import AttemptStatus, ExamAttempt
from trainer.extensions import db
from trainer.timeutil import utcnow
from trainer.transactions import unit_of_work

from tests import factories
from tests.concurrency import run_concurrently
from tests.exams.test_exam_pages import key_for, start

TABS = 4
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def tabs(app, person_id: int) -> queue.Queue:
    """Browsers signed in as the person, one for each racing request."""
    with app.app_context():
        email = db.session.get(User, person_id).email
    signed_in: queue.Queue = queue.Queue()
    for _ in range(TABS):
        browser = app.test_client()
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        factories.sign_in(browser, email)
        signed_in.put(browser)
    return signed_in


def make_overdue(app, attempt_id: int) -> None:
    """The attempt's time and grace ran out a minute ago."""
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        attempt.deadline_at = attempt.submit_until = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_a_submit_sent_several_times_with_its_answers_grades_once(app, client, candidate):
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    form = {"positions": [str(p) for p in key], **{f"q-{p}": chosen for p, chosen in key.items()}}
    browsers = tabs(app, candidate)

    statuses, errors = run_concurrently(
        app, TABS, lambda: browsers.get().post(f"/exams/attempts/{attempt_id}/submit", data=form).status_code)

    assert errors == [] and statuses == [302] * TABS, errors
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert (attempt.status, attempt.score, attempt.closed_by) == (AttemptStatus.SUBMITTED, 100, "person")
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_autosaves_after_the_time_is_up_are_refused_and_the_attempt_is_graded_as_saved(app, client, candidate):
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    assert client.post(f"/exams/attempts/{attempt_id}/answers",
                       json={"answers": {str(p): key[p] for p in range(1, 6)}}).status_code == 200
    make_overdue(app, attempt_id)
    browsers = tabs(app, candidate)
    late = {str(p): key[p] for p in range(6, 11)}

    def autosave():
        response = browsers.get().post(f"/exams/attempts/{attempt_id}/answers", json={"answers": late})
        return response.status_code, response.get_json()["error"]

    refusals, errors = run_concurrently(app, TABS, autosave)

    # Refused as late, or as closed when another save closed the attempt first (the page treats both alike).
    assert errors == [] and len(refusals) == TABS, errors
    assert all(status == 409 and error in ("time_up", "closed") for status, error in refusals), refusals
    # A save closes the attempt when no other save holds it; if each found another one holding it, the
    # result page closes it. Either way it is graded once, with the answers saved in time.
    assert client.get(f"/exams/attempts/{attempt_id}/result").status_code == 200
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert (attempt.status, attempt.closed_by, attempt.correct_count) == (AttemptStatus.SUBMITTED, "deadline", 5)


def test_two_saves_that_hold_the_attempt_when_they_find_it_overdue_do_not_deadlock(app, person):
    """Each of two requests holds the attempt's row shared (an earlier save of the same request, as every
    save does until its request ends) when it finds the attempt overdue: neither may wait to flip it
    while the other holds it, or the two would wait for each other."""
    from tests.factories import answers

    if db.engine.dialect.name == "sqlite":
        pytest.skip("row locks are PostgreSQL's: SQLite runs one writing transaction at a time")
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    key = answers(attempt)
    answering.save_answers(person, attempt.id, {1: key[1]}, now=NOW)
    db.session.commit()
    person_id, attempt_id = person.id, attempt.id
    both_hold_it = threading.Barrier(2, timeout=30)
    first_positions = iter([3, 4])  # one each: a row of attempt_items is locked by the request that wrote it

    def request_saving_twice():
        me = db.session.get(User, person_id)
        with unit_of_work():
            position = next(first_positions)
            answering.save_answers(me, attempt_id, {position: key[position]}, now=NOW)  # holds the attempt shared
            both_hold_it.wait()
            try:
                answering.save_answers(me, attempt_id, {2: key[2]}, now=NOW + timedelta(hours=1))
            except exams.ExamError as refused:
                return refused.code

    codes, errors = run_concurrently(app, 2, request_saving_twice)

    assert errors == [] and codes == ["time_up", "time_up"], errors
    db.session.expire_all()
    closed = exams.close_if_overdue(db.session.get(ExamAttempt, attempt_id), NOW + timedelta(hours=1))
    # the answers of positions 1, 3 and 4, saved in time (the refusal keeps what came before it)
    assert (closed.status, closed.closed_by, closed.correct_count) == (AttemptStatus.SUBMITTED, "deadline", 3)
