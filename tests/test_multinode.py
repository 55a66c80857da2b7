"""Two app nodes (gunicorn, two workers each) on one PostgreSQL database serve the same people:
a session opened on one is good on the other, the login throttle counts both, an exam started on
one is saved and submitted on the other, and ledger entries appended through both form one chain."""
from __future__ import annotations

import os
import subprocess
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, select

from trainer import create_app
from trainer.people.models import Role
from trainer.certification.models import Certificate
from trainer.exams.models import AttemptStatus, ExamAttempt
from trainer.extensions import db
from trainer.ledger.models import LedgerEntry
from trainer.signing import generate_pem

from tests import factories
from tests.conftest import PG_URL, TEST_CONFIG, scratch_postgres_database
from tests.factories import answers, read_modules
from tests.ledger.conftest import qualify_supervisor
from tests.nodes import BIN, Browser, csrf_token, gunicorn

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="several nodes share one PostgreSQL (TRAINER_TEST_DATABASE_URL)")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The people, on a scratch database; then nodes A and B started against it."""
    workdir = tmp_path_factory.mktemp("nodes")
    with ExitStack() as stack:
        url = stack.enter_context(scratch_postgres_database()).render_as_string(hide_password=False)
        env = {"TRAINER_DATABASE_URL": url, "TRAINER_SECRET_KEY": "multi-node-secret-" + "x" * 20,
               "TRAINER_LEDGER_SIGNING_KEY": generate_pem().decode(), "TRAINER_INSTANCE_DIR": str(workdir),
               "TRAINER_PASSWORD_HASH_METHOD": TEST_CONFIG["PASSWORD_HASH_METHOD"],
               "TRAINER_LOGIN_MAX_FAILURES": "4"}
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                          "LEDGER_SIGNING_KEY": env["TRAINER_LEDGER_SIGNING_KEY"]})
        stack.callback(close_connections, app)  # the tests reopen the app's pool: closed before the drop
        with app.app_context(), app.test_request_context():
            import trainer.models  # noqa: F401

            engine = create_engine(url)
            db.metadata.create_all(engine)
            engine.dispose()
            factories.load_content()
            home = factories.department(code="HOME")
            people = {
                "officer": factories.user(dept=home),
                "examinee": factories.user(dept=home),
                "supervisor": factories.user(Role.SUPERVISOR, dept=home),
                "target": factories.user(dept=home),
            }
            qualify_supervisor(people["supervisor"])
            read_modules(people["examinee"], "inspector")
            people = {key: (p.id, p.email) for key, p in people.items()}
            db.session.remove()
            db.engine.dispose()
        node_a = stack.enter_context(gunicorn(env, log_dir=workdir, name="a"))
        node_b = stack.enter_context(gunicorn(env, log_dir=workdir, name="b"))
        yield {"a": node_a, "b": node_b, "people": people, "env": env, "app": app}


def close_connections(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _login(browser: Browser, email: str, password: str = factories.PASSWORD):
    return browser.submit("/login", {"login": email, "password": password})


def test_a_session_opened_on_one_node_works_on_the_other_and_logout_ends_it_on_both(cluster):
    _id, email = cluster["people"]["officer"]
    browser = Browser(cluster["a"])
    assert _login(browser, email).headers["Location"].endswith("/dashboard")
    for node in ("b", "a", "b"):
        page = browser.on(cluster[node]).page("/dashboard")
        assert page.status_code == 200 and email.split("@")[0].replace("person", "Person ") in page.text
    copy = dict(browser.cookies)
    logout = browser.on(cluster["b"]).post(cluster["b"] + "/logout", allow_redirects=False, timeout=30,
                                           data={"csrf_token": csrf_token(browser.page("/dashboard").text)})
    assert logout.status_code == 302
    stolen = Browser(cluster["a"])
    stolen.cookies.update(copy)  # the old cookie, replayed on the other node
    assert stolen.page("/dashboard").status_code == 302


def test_the_login_throttle_counts_failures_on_both_nodes(cluster):
    _id, email = cluster["people"]["target"]
    browser = Browser(cluster["a"])
    for node in ("a", "b", "a", "b"):  # TRAINER_LOGIN_MAX_FAILURES=4, two on each node
        assert _login(browser.on(cluster[node]), email, "wrong-password-1").status_code == 422
    refused = _login(browser.on(cluster["a"]), email)
    assert refused.status_code == 422 and "Too many failed attempts" in refused.text


def test_an_exam_started_on_one_node_is_saved_and_submitted_on_the_other(cluster):
    person_id, email = cluster["people"]["examinee"]
    browser = Browser(cluster["a"])
    _login(browser, email)
    started = browser.post(cluster["a"] + "/exams/inspector/start", allow_redirects=False, timeout=30,
                           data={"csrf_token": csrf_token(browser.page("/exams/").text)})
    assert started.status_code == 302 and "/exams/attempts/" in started.headers["Location"]
    attempt_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with cluster["app"].app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        given = answers(attempt)
        db.session.remove()
    page = browser.on(cluster["b"]).page(f"/exams/attempts/{attempt_id}")
    assert page.status_code == 200
    token = csrf_token(page.text)
    saved = browser.post(f"{cluster['b']}/exams/attempts/{attempt_id}/answers", timeout=30,
                         json={"answers": {str(k): v for k, v in given.items()}},
                         headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert saved.status_code == 200 and saved.json()["answered"] == len(given)
    submitted = browser.post(f"{cluster['b']}/exams/attempts/{attempt_id}/submit", allow_redirects=False,
                             timeout=30, data={"csrf_token": token})
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/result")
    assert browser.on(cluster["a"]).page(f"/exams/attempts/{attempt_id}/result").status_code == 200
    with cluster["app"].app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert attempt.status is AttemptStatus.SUBMITTED and attempt.passed
        assert db.session.scalar(select(Certificate).where(Certificate.user_id == person_id)) is not None
        db.session.remove()


def test_ledger_entries_appended_through_both_nodes_form_one_verified_chain(cluster):
    _sup_id, email = cluster["people"]["supervisor"]
    target_id, _email = cluster["people"]["officer"]
    browser = Browser(cluster["a"])
    _login(browser, email)
    for node, reason in (("a", "Entry through node A"), ("b", "Entry through node B"), ("a", "Third, on A")):
        browser.on(cluster[node])
        form = browser.page(f"/ledger/new?person={target_id}").text
        key = _hidden(form, "idempotency_key")
        answer = browser.post(f"{cluster[node]}/ledger/new", allow_redirects=False, timeout=30, data={
            "csrf_token": csrf_token(form), "idempotency_key": key, "person_id": target_id,
            "category": "outstanding_inspection", "points": 5, "reason": reason})
        assert answer.status_code == 302, answer.text[:2000]
    with cluster["app"].app_context():
        entries = db.session.execute(select(LedgerEntry.seq, LedgerEntry.reason).order_by(LedgerEntry.seq)).all()
        db.session.remove()
    assert [tuple(e) for e in entries] == [
        (1, "Entry through node A"), (2, "Entry through node B"), (3, "Third, on A")]
    verified = subprocess.run([str(BIN / "trainer"), "verify-ledger", "--full"], capture_output=True, text=True,
                              env={**os.environ, **cluster["env"]}, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _hidden(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no {name} on the page"
    return match.group(1) or match.group(2)
