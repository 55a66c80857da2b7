"""TRAINER_LOCAL_PASSWORDS=off: single sign-on only, except break-glass administrators."""
from __future__ import annotations

import pytest

from trainer import create_app
from trainer.people.models import Role
from trainer.config import ConfigurationError

from tests import factories
from tests.conftest import TEST_CONFIG


@pytest.fixture
def sso_settings(sso_settings):
    return {**sso_settings, "LOCAL_PASSWORDS": False, "LOCAL_PASSWORD_ADMINS": ("a1",)}


def test_the_password_form_is_hidden_and_a_right_password_refused(client, ctx, oidc_provider):
    person = factories.user()
    page = client.get("/login")
    assert b"/login/sso" in page.data and b'name="password"' not in page.data
    answer = client.post("/login", data={"login": person.email, "password": factories.PASSWORD})
    assert answer.status_code == 422 and b"Password login is turned off" in answer.data
    assert client.get("/dashboard").status_code == 302
    oidc_provider.set_person("p", email=person.email, email_verified=True)
    assert oidc_provider.sign_on(client, "p").location.endswith("/dashboard")


def test_a_listed_administrator_keeps_a_password_for_when_the_provider_is_down(client, ctx):
    admin = factories.user(Role.ADMIN, employee_no="A1")
    not_listed = factories.user(Role.ADMIN)
    listed_but_not_admin = factories.user(employee_no="a2")
    ctx.config["LOCAL_PASSWORD_ADMINS"] = ("a1", "a2")
    assert b'name="password"' in client.get("/login?password=1").data
    for person in (not_listed, listed_but_not_admin):
        answer = client.post("/login", data={"login": person.email, "password": factories.PASSWORD})
        assert b"Password login is turned off" in answer.data
    assert client.post("/login", data={"login": "a1", "password": factories.PASSWORD}).location.endswith(
        "/dashboard")
    assert admin.full_name.encode() in client.get("/dashboard").data


def test_an_unknown_login_gets_the_same_answer_as_a_known_one(client, ctx):
    person = factories.user()
    known = client.post("/login", data={"login": person.email, "password": "whatever-it-is"})
    unknown = client.post("/login", data={"login": "ghost@bank.example.com", "password": "whatever-it-is"})
    assert known.status_code == unknown.status_code == 422
    assert b"Password login is turned off" in known.data and b"Password login is turned off" in unknown.data


@pytest.mark.parametrize("settings, named", [
    ({"LOCAL_PASSWORDS": False}, "TRAINER_LOCAL_PASSWORDS=off needs single sign-on"),
    ({"OIDC_ISSUER": "https://idp.bank.example"}, "TRAINER_OIDC_CLIENT_ID"),
    ({"LDAP_URL": "ldap://ldap.bank.example"}, "TRAINER_LDAP_BIND_DN_TEMPLATE"),
    ({"OIDC_ISSUER": "https://idp.bank.example", "OIDC_CLIENT_ID": "x", "OIDC_CREATE_PEOPLE": True},
     "TRAINER_OIDC_NEW_PEOPLE_DEPARTMENT"),
])
def test_half_configured_sign_on_stops_the_app_with_the_setting_named(settings, named):
    with pytest.raises(ConfigurationError, match=named):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_the_client_secret_can_come_from_a_file(monkeypatch, tmp_path):
    from trainer import config

    (tmp_path / "secret").write_text("from-the-file\n")
    monkeypatch.setenv("TRAINER_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "secret"))
    assert config.from_environment()["OIDC_CLIENT_SECRET"] == "from-the-file"
    monkeypatch.setenv("TRAINER_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="TRAINER_OIDC_CLIENT_SECRET_FILE"):
        config.from_environment()
