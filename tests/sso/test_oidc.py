"""OpenID Connect login against a real provider started by the tests."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from trainer.people.models import User
from trainer.extensions import db

from tests import factories
from tests.sso.conftest import authorization_params


def test_the_login_page_offers_single_sign_on_and_the_redirect_carries_pkce_state_and_nonce(client, oidc_provider):
    page = client.get("/login")
    assert b"/login/sso" in page.data and b'name="password"' in page.data  # local passwords stay on by default
    to_provider = client.get("/login/sso")
    params = authorization_params(to_provider.location)
    assert to_provider.location.startswith(f"{oidc_provider.url}/oauth2/authorize")
    assert params["client_id"] == "trainer-tests" and params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"] and "openid" in params["scope"].split()
    assert params["redirect_uri"].endswith("/login/sso/callback")


def test_a_person_is_found_by_verified_email_whatever_its_case_and_their_language_is_saved(
        client, ctx, oidc_provider):
    person = factories.user(password=None)
    oidc_provider.set_person("alice", email=person.email.upper(), email_verified=True)
    answer = oidc_provider.sign_on(client, "alice")
    assert answer.status_code == 302 and answer.location.endswith("/dashboard")
    assert person.full_name.encode() in client.get("/dashboard").data
    db.session.expire_all()
    assert db.session.get(User, person.id).locale == "en"  # the language used at login, as for passwords


def test_a_person_is_found_by_the_employee_number_claim_case_insensitively(client, ctx, oidc_provider):
    person = factories.user(password=None, employee_no="E04242")
    oidc_provider.set_person("bob-sub", employee_number="e04242", email="someone.else@idp.example")
    answer = oidc_provider.sign_on(client, "bob-sub")
    assert answer.location.endswith("/dashboard")
    assert person.full_name.encode() in client.get("/dashboard").data


def test_next_is_kept_across_the_provider_and_only_within_the_site(client, ctx, oidc_provider):
    person = factories.user(password=None)
    oidc_provider.set_person("carol", email=person.email, email_verified=True)
    assert oidc_provider.sign_on(client, "carol", start="/login/sso?next=/certificates").location.endswith(
        "/certificates")
    client.post("/logout")
    assert oidc_provider.sign_on(client, "carol", start="/login/sso?next=//evil.example/").location.endswith(
        "/dashboard")


def test_an_unknown_person_is_refused_with_a_clear_page_and_nobody_is_created(client, ctx, oidc_provider):
    oidc_provider.set_person("stranger", email="stranger@bank.example.com", email_verified=True)
    answer = oidc_provider.sign_on(client, "stranger")
    assert answer.status_code == 403
    assert b"stranger@bank.example.com" in answer.data and b"nobody with that email" in answer.data
    assert client.get("/dashboard").status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_an_unverified_email_does_not_name_anybody(client, ctx, oidc_provider):
    person = factories.user(password=None)
    oidc_provider.set_person("unverified", email=person.email, email_verified=False)
    answer = oidc_provider.sign_on(client, "unverified")
    assert answer.status_code == 403 and b"has not verified your email" in answer.data
    assert client.get("/dashboard").status_code == 302


def test_a_deactivated_person_is_refused(client, ctx, oidc_provider):
    person = factories.user(password=None, active=False)
    oidc_provider.set_person("gone", email=person.email, email_verified=True)
    answer = oidc_provider.sign_on(client, "gone")
    assert answer.status_code == 403 and b"deactivated" in answer.data
    assert client.get("/dashboard").status_code == 302


def test_people_are_created_only_when_the_setting_allows_it(app, client, ctx, oidc_provider):
    dept = factories.department(code="NEW")
    app.config.update(OIDC_CREATE_PEOPLE=True, OIDC_NEW_PEOPLE_DEPARTMENT="NEW")
    oidc_provider.set_person("newcomer", email="Newcomer@bank.example.com", email_verified=True,
                             employee_number="E77777", name="New Comer")
    answer = oidc_provider.sign_on(client, "newcomer")
    assert answer.location.endswith("/dashboard")
    created = db.session.scalar(select(User).where(User.employee_no == "E77777"))
    assert created.email == "newcomer@bank.example.com" and created.department_id == dept.id
    assert created.full_name == "New Comer" and created.password_hash == ""


def test_a_callback_with_a_forged_or_replayed_state_is_refused(client, ctx, oidc_provider):
    person = factories.user(password=None)
    oidc_provider.set_person("dave", email=person.email, email_verified=True)
    to_provider = client.get("/login/sso")
    answer = requests.post(to_provider.location, data={"sub": "dave"}, allow_redirects=False, timeout=10)
    callback = answer.headers["Location"]
    path_and_query = callback[callback.index("/login/sso/callback"):]
    forged = client.get(path_and_query.replace("state=", "state=x"))
    assert forged.status_code == 400 and b"Please start again" in forged.data
    other_browser = client.application.test_client()
    assert other_browser.get(path_and_query).status_code == 400  # that browser never started this sign-on
    assert client.get("/dashboard").status_code == 302
    assert client.get(path_and_query).location.endswith("/dashboard")  # the genuine answer, once
    client.post("/logout")
    assert client.get(path_and_query).status_code == 400  # replayed: the state was used up
    assert client.get("/dashboard").status_code == 302


def test_a_cancelled_sign_on_says_so(client, oidc_provider):
    client.get("/login/sso")
    answer = client.get("/login/sso/callback?error=access_denied&state=whatever")
    assert answer.status_code == 403 and b"cancelled" in answer.data


@pytest.mark.parametrize("sso_settings", [{"OIDC_ISSUER": "http://localhost:9", "OIDC_CLIENT_ID": "x"}])
def test_an_unreachable_provider_is_a_message_not_an_error(client):
    answer = client.get("/login/sso")
    assert answer.status_code == 503 and b"cannot be reached" in answer.data


def test_a_provider_whose_discovery_names_another_issuer_is_not_trusted(app, client, oidc_provider):
    # Same server, other host name: its discovery document says http://127.0.0.1:…, not what is configured.
    app.config["OIDC_ISSUER"] = oidc_provider.url.replace("127.0.0.1", "localhost")
    answer = client.get("/login/sso")
    assert answer.status_code == 503
