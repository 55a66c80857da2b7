"""Sessions: logout ends them on the server, temporary passwords come first,
cookie attributes, the client address behind a proxy, plain HTTP in production."""
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from trainer import create_app
from trainer.people.models import Role, User
from trainer.auth.models import LoginThrottle
from trainer.config import ConfigurationError
from trainer.extensions import db

from tests import factories
from tests.conftest import TEST_CONFIG


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def test_logout_ends_the_session_and_the_remember_cookie_on_the_server(app, client):
    with app.app_context():
        person = factories.user()
        email = person.email
    client.post("/login", data={"login": email, "password": factories.PASSWORD, "remember": "y"})
    session_cookie, remember_cookie = cookie(client, "session"), cookie(client, "remember_token")
    assert session_cookie and remember_cookie
    client.post("/logout")

    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert replay.get("/dashboard").status_code == 302, f"the old {name} cookie still opens the site"
    # Logging in again works as usual.
    assert client.post("/login", data={"login": email, "password": factories.PASSWORD}).status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_remember_cookie_is_http_only_same_site_and_secure_in_production(app, client, monkeypatch, tmp_path):
    with app.app_context():
        email = factories.user().email
    response = client.post("/login", data={"login": email, "password": factories.PASSWORD, "remember": "y"})
    remember = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember and "Secure" not in remember
    monkeypatch.setenv("TRAINER_ENV", "production")
    production = create_app({**TEST_CONFIG, "TRAINER_ENV": "production", "SECRET_KEY": "x" * 64,
                             "PDF_SIGNING_KEY_FILE": "k.pem", "PDF_SIGNING_CERT_FILE": "c.pem"})
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SAMESITE"] == production.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.fixture
def temporary(app, client):
    """A person signed in with the temporary password an administrator set."""
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        person = factories.user()
        person_id, email = person.id, person.email
        admin_email = admin.email
    admin_client = app.test_client()
    admin_client.post("/login", data={"login": admin_email, "password": factories.PASSWORD})
    assert admin_client.post(f"/admin/users/{person_id}/password",
                             data={"password": "temporary-pass-1"}).status_code == 302
    client.post("/login", data={"login": email, "password": "temporary-pass-1"})
    return person_id


@pytest.mark.parametrize("url", ["/dashboard", "/modules/", "/exams/", "/", "/people/"])
def test_a_temporary_password_must_be_changed_before_any_page(client, temporary, url):
    response = client.get(url)
    assert response.status_code == 302 and response.location.endswith("/account/password"), url


def test_a_temporary_password_blocks_posts_and_json_with_403_json(client, temporary):
    form_post = client.post("/language", data={"locale": "en"})
    assert form_post.status_code == 302  # the language switch stays usable
    json_post = client.post("/exams/attempts/1/answers", json={"answers": {}})
    assert json_post.status_code == 403 and json_post.json["error"] == "forbidden"
    asks_json = client.get("/dashboard", headers={"Accept": "application/json"})
    assert asks_json.status_code == 403 and asks_json.is_json


def test_after_changing_the_temporary_password_every_page_opens(app, client, temporary):
    assert client.get("/account/password").status_code == 200
    response = client.post("/account/password", data={
        "current_password": "temporary-pass-1", "new_password": "my-own-secret-7", "confirm": "my-own-secret-7"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert client.get("/modules/").status_code == 200
    with app.app_context():
        assert not db.session.get(User, temporary).must_change_password


def test_logout_works_with_a_temporary_password(client, temporary):
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").location.endswith("/login?next=%2Fdashboard")


@contextmanager
def proxied_app(database_url, **counts):
    """A second app on the test database, configured with `counts` trusted proxies."""
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_IP_MAX_FAILURES": 3}
    second = create_app({**config, **{f"PROXY_FIX_{k.upper()}": v for k, v in counts.items()}})
    try:
        yield second
    finally:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


def test_behind_a_trusted_proxy_each_client_has_its_own_address(app, client):
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        email = admin.email
    with proxied_app(app.config["SQLALCHEMY_DATABASE_URI"], x_for=1, x_proto=1) as behind_proxy:
        guesser, admin_browser = behind_proxy.test_client(), behind_proxy.test_client()
        for n in range(3):
            guesser.post("/login", data={"login": f"ghost{n}@bank.example.com", "password": "guess"},
                         headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        response = admin_browser.post("/login", data={"login": email, "password": factories.PASSWORD},
                                      headers={"X-Forwarded-For": "198.51.100.7"},
                                      environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert response.status_code == 302
        with behind_proxy.app_context():
            keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert "ip:203.0.113.9" in keys and "ip:10.0.0.1" not in keys


def test_without_trusted_proxies_forwarded_headers_are_ignored(app):
    with proxied_app(app.config["SQLALCHEMY_DATABASE_URI"]) as plain:
        plain.test_client().post("/login", data={"login": "ghost@bank.example.com", "password": "guess"},
                                 headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        with plain.app_context():
            keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert "ip:10.0.0.1" in keys and "ip:203.0.113.9" not in keys


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRAINER_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("TRAINER_PROXY_FIX_X_HOST", "0")
    config = create_app().config
    assert (config["PROXY_FIX_X_FOR"], config["PROXY_FIX_X_PROTO"], config["PROXY_FIX_X_HOST"]) == (2, 2, 0)
    monkeypatch.setenv("TRAINER_TRUSTED_PROXIES", "yes")
    with pytest.raises(ConfigurationError, match="TRAINER_TRUSTED_PROXIES"):
        create_app()


def test_production_over_plain_http_says_https_is_needed(app, client):
    app.config.update(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    client.delete_cookie("session")  # what a browser does with a secure cookie over http
    response = client.post("/login", data={"login": "x", "password": "y", "csrf_token": token})
    assert response.status_code == 400 and "must be used over HTTPS" in response.get_data(as_text=True)
