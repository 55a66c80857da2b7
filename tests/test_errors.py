"""Error answers: a page for people, JSON for the API, and a broken
transaction never breaks the error page itself."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests import factories
from trainer.extensions import db


@pytest.fixture
def failing_app(app):
    """The app with one route whose write fails at flush, as a unique-key clash does."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, not by raising into the test

    @app.get("/_test/failing-write")
    def failing_write():
        from trainer.people.models import User
        first = db.session.scalars(db.select(User)).first()
        db.session.add(User(employee_no=first.employee_no, email="clash@bank.example.com",
                            full_name="Clash", department_id=first.department_id))
        db.session.flush()  # IntegrityError: duplicate employee number
        return "unreachable"

    return app


def test_failed_write_still_renders_the_error_page(failing_app, ctx, client, login):
    person = factories.user()
    login(person)
    response = client.get("/_test/failing-write")
    assert response.status_code == 500
    assert b"Error 500" in response.data
    # The next request works on a clean session.
    assert client.get("/dashboard").status_code == 200


def test_failed_statement_under_the_api_answers_json(failing_app, client):
    @failing_app.get("/api/v1/_test/failing")
    def failing_api():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    response = client.get("/api/v1/_test/failing")
    assert response.status_code == 500
    assert response.is_json and response.json["error"] == "internal_server_error"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/v1/no-such-thing", 404),
    ("delete", "/api/v1/health", 405),
])
def test_api_errors_are_json_and_never_cached(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json and response.json["message"]
    assert response.headers["Cache-Control"] == "no-store"
