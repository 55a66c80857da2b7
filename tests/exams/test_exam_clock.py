"""Every time the exam sends to the browser carries its offset, so no browser reads
it as its own local time; an autosave after the submit is refused, not lost."""
import re
from datetime import datetime, timedelta, timezone

from trainer.certification import services as certification
from trainer.exams.models import ExamAttempt
from trainer.extensions import db

from tests.exams.test_exam_pages import key_for, start

WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def instant(text: str) -> datetime:
    assert WITH_OFFSET.match(text), f"{text!r} has no offset"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stored(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        return attempt.deadline_at, attempt.submit_until


def test_the_attempt_page_sends_the_deadline_and_the_server_time_with_their_offset(app, client, candidate):
    attempt_id = start(client)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    found = {name: instant(value) for name, value in
             re.findall(r'data-(deadline|submit-until|server-now)="([^"]*)"', page)}
    assert set(found) == {"deadline", "submit-until", "server-now"}
    deadline, submit_until = stored(app, attempt_id)
    assert abs(found["deadline"] - deadline) < timedelta(milliseconds=1)
    assert abs(found["submit-until"] - submit_until) < timedelta(milliseconds=1)
    with app.app_context():
        limit = timedelta(minutes=certification.definition("inspector").exam.time_limit_minutes)
    assert limit - timedelta(minutes=1) < found["deadline"] - found["server-now"] <= limit


def test_an_autosave_answers_with_the_clock(app, client, candidate):
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    response = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": key[1]}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["answered"] == 1
    deadline, submit_until = stored(app, attempt_id)
    assert abs(instant(body["deadline"]) - deadline) < timedelta(milliseconds=1)
    assert abs(instant(body["submit_until"]) - submit_until) < timedelta(milliseconds=1)
    assert instant(body["now"]) < deadline
    assert instant(body["now"]).tzinfo == timezone.utc


def test_an_autosave_after_the_submit_is_refused(app, client, candidate):
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    client.post(f"/exams/attempts/{attempt_id}/submit", data={})
    response = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": key[1]}})
    assert response.status_code == 409
    assert response.get_json()["error"] == "closed"


def test_an_autosave_after_the_time_is_up_is_refused_and_the_closure_is_kept(app, client, candidate):
    """The refusal keeps what the request did before it: the overdue attempt closed and graded."""
    from tests.exams.test_requests_race import make_overdue

    attempt_id = start(client)
    key = key_for(app, attempt_id)
    client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": key[1]}})
    make_overdue(app, attempt_id)
    response = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"2": key[2]}})
    assert response.status_code == 409 and response.get_json()["error"] == "time_up"
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert (attempt.closed_by, attempt.correct_count) == ("deadline", 1)


def test_an_autosave_with_nothing_to_save_still_answers_with_the_clock(app, client, candidate):
    """The page's heartbeat sends no answers (nothing changed): it is a clock check, not an error."""
    attempt_id = start(client)
    key = key_for(app, attempt_id)
    client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {"1": key[1]}})

    response = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {}})

    assert response.status_code == 200, response.data[:500]
    body = response.get_json()
    assert body["answered"] == 1
    deadline, _submit_until = stored(app, attempt_id)
    assert abs(instant(body["deadline"]) - deadline) < timedelta(milliseconds=1)
