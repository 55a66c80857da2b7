"""API tokens: stored hashed, shown once, issued and revoked by admins only."""
import hashlib
import re

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from trainer.api import services
from trainer.api.scopes import Scope
from trainer.api.views import requires
from trainer.people.models import Role, User
from trainer.api.models import ApiToken
from trainer.extensions import db

from tests import factories

TOKEN = re.compile(r"trn_[A-Za-z0-9_-]{43}")


@pytest.fixture
def admin(app, client, login):
    with app.app_context():
        person = factories.user(Role.ADMIN)
        ids = {"id": person.id, "email": person.email, "employee_no": person.employee_no}
    login(ids["email"])
    return ids


def api_status(client, plaintext, employee_no):
    return client.get(f"/api/v1/eligibility/{employee_no}", headers={"Authorization": f"Bearer {plaintext}"}).status_code


def test_only_the_hash_of_a_token_is_stored(ctx):
    admin = factories.user(Role.ADMIN)
    token, plaintext = services.issue_token("  Loan servicing  ", admin)
    assert TOKEN.fullmatch(plaintext)
    assert token.name == "Loan servicing" and token.prefix == plaintext[4:12]
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    stored = db.session.execute(text("SELECT * FROM api_tokens")).one()
    assert not any(plaintext in str(value) or plaintext[4:] in str(value) for value in stored)
    assert services.authenticate(f"Bearer {plaintext}").id == token.id


def test_two_tokens_never_share_a_secret(ctx):
    admin = factories.user(Role.ADMIN)
    (first, one), (second, two) = services.issue_token("A", admin), services.issue_token("B", admin)
    assert one != two and first.token_hash != second.token_hash


def test_revoking_twice_keeps_the_first_date(ctx):
    admin = factories.user(Role.ADMIN)
    token, plaintext = services.issue_token("Loan servicing", admin)
    services.revoke_token(token, admin)
    first = token.revoked_at
    services.revoke_token(token, admin)
    assert token.revoked_at == first and services.authenticate(f"Bearer {plaintext}") is None


def test_the_log_tells_of_a_token_issued_or_revoked_only_once_it_is_kept(ctx, caplog):
    admin = factories.user(Role.ADMIN)
    db.session.commit()
    caplog.set_level("INFO", logger="trainer.api.services")
    services.issue_token("Never kept", admin)
    db.session.rollback()
    assert "issued" not in caplog.text
    token, _plaintext = services.issue_token("Kept", admin)
    db.session.commit()
    assert f"API token {token.id} ({token.prefix})" in caplog.text and "issued by user" in caplog.text
    services.revoke_token(token, admin)
    db.session.rollback()
    assert "revoked" not in caplog.text
    services.revoke_token(db.session.get(ApiToken, token.id), admin)
    db.session.commit()
    assert "revoked by user" in caplog.text


def test_a_use_is_committed_with_the_request_and_only_a_read_may_commit_lazily(app, client):
    """The count commits with the request, every use counted, a refused scope's too. On PostgreSQL a GET's
    commit need not wait for the disk (it records only the count); a POST may write a report, so its commit
    stays durable. What is seen is the setting in force when each request commits."""
    @app.route("/t/commit-mode", methods=["GET", "POST"])
    @requires(Scope.ELIGIBILITY_READ)
    def commit_mode():
        return "ok"

    @app.route("/t/needs-more")
    @requires(Scope.INSPECTIONS_WRITE)
    def needs_more():
        return "never"

    at_commit: list[str] = []

    def record(session):
        if session.get_bind().dialect.name == "postgresql":
            at_commit.append(session.scalar(text("SELECT current_setting('synchronous_commit')")))

    with app.app_context():
        token, plaintext = services.issue_token("Loan servicing", factories.user(Role.ADMIN))
        db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    event.listen(Session, "before_commit", record)
    try:
        assert client.get("/t/commit-mode", headers=headers).status_code == 200
        assert client.post("/t/commit-mode", headers=headers).status_code == 200
        assert client.get("/t/needs-more", headers=headers).status_code == 403
    finally:
        event.remove(Session, "before_commit", record)
    with app.app_context():
        assert db.session.get(ApiToken, token.id).use_count == 3
    if at_commit:
        assert at_commit == ["off", "on", "off"]


@pytest.mark.parametrize("role", [Role.STAFF, Role.SUPERVISOR, Role.HR])
def test_only_admins_manage_tokens(app, client, login, role):
    with app.app_context():
        owner = factories.user(Role.ADMIN)
        token, _ = services.issue_token("Loan servicing", owner)
        db.session.commit()
        token_id, email = token.id, factories.user(role).email
    login(email)
    assert client.get("/admin/api-tokens/").status_code == 403
    assert client.get("/admin/api-tokens/new").status_code == 403
    assert client.post("/admin/api-tokens/new", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ApiToken.name)) == "Loan servicing"
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_issuing_shows_the_token_once(app, client, admin):
    assert client.get("/admin/api-tokens/new").status_code == 200
    issued = client.post("/admin/api-tokens/new", data={"name": "Loan servicing", "scopes": "eligibility:read"})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    page = issued.get_data(as_text=True)
    assert "Copy the token now" in page
    plaintext = TOKEN.search(page).group(0)
    listing = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "Loan servicing" in listing and plaintext[4:12] in listing and plaintext not in listing
    assert api_status(client, plaintext, admin["employee_no"]) == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert token.created_by_id == admin["id"] and token.use_count == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_token_needs_a_name_of_at_most_120_characters(app, client, admin, name):
    response = client.post("/admin/api-tokens/new", data={"name": name, "scopes": "eligibility:read"})
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    assert not TOKEN.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_revoking_makes_the_api_refuse_the_token(app, client, admin):
    page = client.post("/admin/api-tokens/new", data={"name": "Loan servicing", "scopes": "eligibility:read"}).get_data(as_text=True)
    plaintext = TOKEN.search(page).group(0)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert api_status(client, plaintext, admin["employee_no"]) == 200
    revoked = client.post(f"/admin/api-tokens/{token_id}/revoke", follow_redirects=True)
    assert revoked.status_code == 200
    listing = revoked.get_data(as_text=True)
    assert "Loan servicing" in listing and "Revoked" in listing  # kept on the list
    assert f"/admin/api-tokens/{token_id}/revoke" not in listing
    assert api_status(client, plaintext, admin["employee_no"]) == 401


def test_revoking_an_unknown_token_is_not_found(client, admin):
    assert client.post("/admin/api-tokens/999/revoke").status_code == 404


def test_revoking_needs_the_form_token(app, client, admin):
    with app.app_context():
        token, _ = services.issue_token("Loan servicing", db.session.get(User, admin["id"]))
        db.session.commit()
        token_id = token.id
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 400
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_the_token_list_does_not_grow_in_queries_with_tokens(app, client, admin, count_queries):
    def queries():
        with count_queries() as statements:
            assert client.get("/admin/api-tokens/").status_code == 200
        return len(statements)

    with app.app_context():
        services.issue_token("First", db.session.get(User, admin["id"]))
        db.session.commit()
    few = queries()
    with app.app_context():
        for n in range(10):
            services.issue_token(f"System {n}", factories.user(Role.ADMIN))
        db.session.commit()
    assert queries() == few
