from datetime import timedelta

import pytest

from trainer.auth import services
from trainer.people.models import Role, User
from trainer.auth.models import LoginThrottle
from trainer.extensions import db
from trainer.timeutil import utcnow

from tests import factories


def test_login_by_email_or_employee_number(client, ctx):
    person = factories.user()
    for login_name in (person.email, person.employee_no, person.email.upper(), person.employee_no.lower()):
        response = client.post("/login", data={"login": login_name, "password": factories.PASSWORD})
        assert response.status_code == 302 and response.location.endswith("/dashboard")
        client.post("/logout")


def test_wrong_password_rerenders_with_a_message_that_does_not_reveal_the_account(client, ctx):
    person = factories.user()
    wrong_password = client.post("/login", data={"login": person.email, "password": "nope-nope-nope"})
    no_account = client.post("/login", data={"login": "ghost@bank.example.com", "password": "nope-nope-nope"})
    assert wrong_password.status_code == no_account.status_code == 422
    assert b"Wrong employee number, email or password" in wrong_password.data
    assert wrong_password.data.count(b"invalid-feedback") == no_account.data.count(b"invalid-feedback")
    assert client.get("/dashboard").status_code == 302  # still anonymous


def test_account_locks_after_repeated_failures_even_for_the_right_password(client, ctx):
    person = factories.user()
    for _ in range(ctx.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"login": person.email, "password": "wrong-password"})
    response = client.post("/login", data={"login": person.email, "password": factories.PASSWORD})
    assert response.status_code == 422
    assert b"Too many failed attempts" in response.data


def test_lock_expires_after_the_lockout_period(ctx):
    person = factories.user()
    start = utcnow()
    for _ in range(ctx.config["LOGIN_MAX_FAILURES"]):
        services.authenticate(person.email, "wrong-password", "10.0.0.1", now=start)
    assert services.authenticate(person.email, factories.PASSWORD, "10.0.0.1", now=start).locked_for_seconds > 0
    later = start + timedelta(seconds=ctx.config["LOGIN_LOCKOUT_SECONDS"] + 1)
    assert services.authenticate(person.email, factories.PASSWORD, "10.0.0.1", now=later).ok


def test_successful_login_clears_the_account_failures(ctx):
    person = factories.user()
    services.authenticate(person.email, "wrong-password", "10.0.0.2")
    assert services.authenticate(person.email, factories.PASSWORD, "10.0.0.2").ok
    assert db.session.query(LoginThrottle).filter_by(key=f"acct:user:{person.id}").count() == 0


def test_email_and_employee_number_share_one_counter(ctx):
    person = factories.user()
    limit = ctx.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        login_name = (person.email.upper(), person.employee_no, person.employee_no.lower())[n % 3]
        services.authenticate(login_name, "wrong-password", f"10.0.1.{n}")
    for login_name in (person.email, person.employee_no):
        assert services.authenticate(login_name, factories.PASSWORD, "10.0.2.1").locked_for_seconds > 0


def test_unknown_logins_are_counted_by_the_normalised_login(ctx):
    for n in range(ctx.config["LOGIN_MAX_FAILURES"]):
        services.authenticate(("  Ghost@Bank.example.com", "ghost@bank.example.com ")[n % 2], "wrong", f"10.0.3.{n}")
    assert services.authenticate("GHOST@bank.example.com", "wrong", "10.0.4.1").locked_for_seconds > 0


def test_a_locked_address_refuses_wrong_passwords_but_not_another_accounts_right_one(ctx):
    """Behind one proxy address, a guesser must not lock the administrator out."""
    ctx.config["LOGIN_IP_MAX_FAILURES"] = 3
    victims = [factories.user() for _ in range(3)]
    admin = factories.user(Role.ADMIN)
    for person in victims:
        services.authenticate(person.email, "wrong-password", "10.9.9.9")
    assert services.authenticate(admin.email, factories.PASSWORD, "10.9.9.9").ok
    # While the address is locked a miss is refused, and locks the account aimed at at once.
    missed = services.authenticate(victims[0].email, "another-guess", "10.9.9.9")
    assert missed.locked_for_seconds > 0 and not missed.ok
    assert services.authenticate(victims[0].email, factories.PASSWORD, "10.1.1.1").locked_for_seconds > 0
    assert services.authenticate(victims[1].email, factories.PASSWORD, "10.9.9.9").ok


def test_a_locked_account_refuses_its_right_password_from_any_address(ctx):
    person = factories.user()
    for n in range(ctx.config["LOGIN_MAX_FAILURES"]):
        services.authenticate(person.email, "wrong-password", f"10.0.5.{n}")
    assert services.authenticate(person.employee_no, factories.PASSWORD, "10.0.6.1").locked_for_seconds > 0


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "scrypt"])
def test_unknown_accounts_cost_one_hash_of_the_configured_method(ctx, monkeypatch, method):
    """The time taken must not tell whether an account exists: count the hash checks."""
    ctx.config["PASSWORD_HASH_METHOD"] = method
    person = factories.user()
    no_password = factories.user(password=None)
    checked: list[str] = []
    real_check = services.check_password_hash

    def counting_check(password_hash, password):
        checked.append(password_hash)
        return real_check(password_hash, password)

    monkeypatch.setattr(services, "check_password_hash", counting_check)
    for login_name in (person.email, "ghost@bank.example.com", "E99999", no_password.email):
        checked.clear()
        assert not services.authenticate(login_name, "wrong-password", "10.0.7.1").ok
        assert len(checked) == 1, login_name
    assert checked[0].split("$")[0] == services.hash_password("x").split("$")[0]


def test_deactivated_person_cannot_log_in(client, ctx):
    person = factories.user(active=False)
    response = client.post("/login", data={"login": person.email, "password": factories.PASSWORD})
    assert response.status_code == 422
    assert b"deactivated" in response.data


def test_imported_person_without_password_cannot_log_in(client, ctx):
    person = factories.user(password=None)
    response = client.post("/login", data={"login": person.email, "password": ""})
    assert response.status_code == 422


def test_passwords_are_stored_hashed(ctx):
    person = factories.user()
    assert factories.PASSWORD not in person.password_hash
    assert person.password_hash.startswith("pbkdf2:")


def test_login_redirects_only_within_the_site(client, ctx):
    person = factories.user()
    evil = client.post("/login?next=https://evil.example/x", data={"login": person.email, "password": factories.PASSWORD})
    assert evil.location.endswith("/dashboard")
    client.post("/logout")
    ok = client.post("/login?next=/modules/", data={"login": person.email, "password": factories.PASSWORD})
    assert ok.location.endswith("/modules/")


def test_logout_needs_post_and_ends_the_session(client, login, ctx):
    login(factories.user())
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302


def test_changing_password_ends_other_sessions(app, client, login, ctx):
    person = factories.user()
    other_device = app.test_client()
    login(person)
    other_device.post("/login", data={"login": person.email, "password": factories.PASSWORD})
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "a-new-secret-2", "confirm": "a-new-secret-2"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this session signed in again
    assert other_device.get("/dashboard").status_code == 302  # the other one is out
    db.session.expire_all()
    assert services.authenticate(person.email, "a-new-secret-2", "10.0.0.3").ok


def test_change_password_rejects_wrong_current_and_weak_new(client, login, ctx):
    person = factories.user()
    login(person)
    wrong = client.post("/account/password", data={
        "current_password": "not-it-at-all", "new_password": "a-new-secret-2", "confirm": "a-new-secret-2"})
    assert wrong.status_code == 422 and b"current password is wrong" in wrong.data
    short = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "short", "confirm": "short"})
    assert short.status_code == 422
    same = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": person.email, "confirm": person.email})
    assert same.status_code == 422
    db.session.expire_all()
    assert services.authenticate(person.email, factories.PASSWORD, "10.0.0.4").ok


def test_temporary_password_forces_a_change_at_login(client, ctx):
    person = factories.user()
    services.set_password(person, "temporary-pass-1", temporary=True)
    db.session.commit()
    response = client.post("/login", data={"login": person.email, "password": "temporary-pass-1"})
    assert response.location.endswith("/account/password")
    db.session.expire_all()
    assert db.session.get(User, person.id).must_change_password
