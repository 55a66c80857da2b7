"""Invitations and "forgot password": one-time set-password links, sent through a real SMTP server."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from trainer.auth import account_tokens, invitations, password_reset
from trainer.auth.account_tokens import AccountToken, Purpose, TokenInvalid
from trainer.people.models import User
from trainer.auth.services import PasswordPolicyError, change_password
from trainer.extensions import db
from trainer.notifications.outbox import deliver_pending
from trainer.timeutil import utcnow
from trainer.transactions import unit_of_work

from tests import factories
from tests.certification.conftest import smtp_server  # noqa: F401 - the real SMTP server fixture
from tests.concurrency import run_concurrently

NEW_PASSWORD = "a-brand-new-pass-9"
LINK = re.compile(r"https://trainer\.bank\.example\.com/account/(invitation|reset)/([A-Za-z0-9_-]+)")


def deliver(app) -> None:
    """Run the outbox worker once, as `trainer deliver-notifications` does."""
    with app.app_context():
        deliver_pending()


def newcomer(locale: str | None = None, **fields) -> User:
    """An imported person: no password, never logged in."""
    return factories.user(password=None, locale=locale, **fields)


def link_in(mail) -> tuple[str, str]:
    found = LINK.search(mail.body)
    assert found, mail.body
    return found.group(0).removeprefix("https://trainer.bank.example.com"), found.group(2)


def page(response) -> str:
    """The page without what differs per response anyway (CSP nonces, time-stamped CSRF tokens)."""
    text = re.sub(r'nonce="[^"]*"', "", response.get_data(as_text=True))
    return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1", text)


@pytest.fixture
def admin(app):
    with app.app_context():
        return factories.user("admin")


# --- invitations ------------------------------------------------------------------------

@pytest.mark.parametrize("locale, greeting", [("en", "Hello"), ("es", "Hola")])
def test_an_invitation_in_the_persons_language_sets_a_first_password(app, client, login, smtp_server, admin,
                                                                      locale, greeting):
    app.config.update(BANK_NAME="Banco Ejemplo", BANK_CONTACT_EMAIL="formacion@banco.example")
    with app.app_context():
        person = newcomer(locale)
        email, person_id = person.email, person.id
    login(admin)
    response = client.post(f"/people/{person_id}/invitation")
    assert response.status_code == 302
    deliver(app)
    [mail] = smtp_server.to(email)
    assert mail.body.startswith(greeting) and "Banco Ejemplo" in mail.message["Subject"]
    assert "formacion@banco.example" in mail.body and "Trainer" not in mail.body
    path, token = link_in(mail)
    client.post("/logout")

    assert "Choose your password" in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/login")
    with app.app_context():
        stored = db.session.scalar(select(AccountToken).where(AccountToken.user_id == person_id))
        assert stored.token_hash == account_tokens.hash_token(token) and token not in stored.token_hash
        assert db.session.get(User, person_id).last_login_at is None
    login(email, NEW_PASSWORD)
    with app.app_context():
        assert db.session.get(User, person_id).last_login_at is not None

    client.post("/logout")
    assert client.get(path).status_code == 404  # used once
    assert client.post(path, data={"new_password": "another-pass-77", "confirm": "another-pass-77"}).status_code == 404


def test_an_expired_invitation_no_longer_works(app, ctx, client):
    person = newcomer()
    issued = account_tokens.issue(person, Purpose.INVITATION, now=utcnow() - timedelta(hours=72, seconds=1))
    db.session.commit()
    path = f"/account/invitation/{issued.token}"
    assert client.get(path).status_code == 404
    assert client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    # the same token, presented just before it expires, works
    fresh = account_tokens.issue(person, Purpose.INVITATION)
    db.session.commit()
    with pytest.raises(TokenInvalid):
        account_tokens.redeem(fresh.token, Purpose.INVITATION, NEW_PASSWORD,
                              now=utcnow() + timedelta(hours=app.config["INVITATION_TOKEN_HOURS"], seconds=1))
    account_tokens.redeem(fresh.token, Purpose.INVITATION, NEW_PASSWORD,
                          now=utcnow() + timedelta(hours=app.config["INVITATION_TOKEN_HOURS"], seconds=-60))


def test_a_token_works_only_for_its_own_purpose(ctx, client):
    person = factories.user()
    invitation = account_tokens.issue(person, Purpose.INVITATION).token
    db.session.commit()
    assert client.get(f"/account/reset/{invitation}").status_code == 404
    assert client.post(f"/account/reset/{invitation}",
                       data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    reset = account_tokens.issue(person, Purpose.PASSWORD_RESET).token
    db.session.commit()
    assert client.get(f"/account/invitation/{reset}").status_code == 404
    with pytest.raises(TokenInvalid):
        account_tokens.redeem(reset, Purpose.INVITATION, NEW_PASSWORD)
    assert client.get(f"/account/reset/{reset}").status_code == 200


def test_a_newer_link_or_a_password_change_ends_the_older_link(ctx):
    person = factories.user()
    first = account_tokens.issue(person, Purpose.PASSWORD_RESET).token
    second = account_tokens.issue(person, Purpose.INVITATION).token
    db.session.commit()
    with pytest.raises(TokenInvalid):
        account_tokens.check(first, Purpose.PASSWORD_RESET)
    assert account_tokens.check(second, Purpose.INVITATION).id == person.id
    assert change_password(person, factories.PASSWORD, "changed-by-hand-1")
    with pytest.raises(TokenInvalid):
        account_tokens.redeem(second, Purpose.INVITATION, NEW_PASSWORD)


def test_a_deactivated_person_cannot_use_a_link(ctx):
    person = factories.user()
    token = account_tokens.issue(person, Purpose.PASSWORD_RESET).token
    person.active = False
    db.session.commit()
    with pytest.raises(TokenInvalid):
        account_tokens.check(token, Purpose.PASSWORD_RESET)
    with pytest.raises(invitations.InvitationRefused):
        invitations.invite(person, None)


def test_the_password_policy_applies_and_a_refused_password_leaves_the_link_usable(app, ctx, client):
    person = newcomer()
    token = account_tokens.issue(person, Purpose.INVITATION).token
    db.session.commit()
    with pytest.raises(PasswordPolicyError):
        account_tokens.redeem(token, Purpose.INVITATION, person.email)
    db.session.rollback()
    response = client.post(f"/account/invitation/{token}", data={"new_password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert account_tokens.redeem(token, Purpose.INVITATION, NEW_PASSWORD).id == person.id


def test_two_concurrent_uses_of_one_link_set_one_password(app):
    with app.app_context():
        person = newcomer()
        token = account_tokens.issue(person, Purpose.INVITATION).token
        db.session.commit()
        person_id = person.id
    passwords = iter(["first-racer-pass-1", "second-racer-pass-2"])
    chosen = {}

    def use():
        password = next(passwords)
        try:
            with unit_of_work():  # as the link's request does: the use and the password are committed together
                account_tokens.redeem(token, Purpose.INVITATION, password)
        except TokenInvalid:
            return None
        chosen["password"] = password
        return password

    results, errors = run_concurrently(app, 2, use)
    assert not errors, errors
    assert sorted(results, key=str) == sorted([chosen["password"], None], key=str)
    with app.app_context():
        from trainer.auth.services import verify_password

        person = db.session.get(User, person_id)
        assert verify_password(person.password_hash, chosen["password"])
        assert person.session_version == 2  # set once


# --- forgot password --------------------------------------------------------------------

def test_forgot_password_answers_the_same_for_unknown_addresses_and_mails_only_real_ones(app, client, smtp_server):
    with app.app_context():
        person = factories.user(locale="en")
        factories.user(active=False).email  # noqa: B018
        email = person.email
        inactive = db.session.scalar(select(User.email).where(User.active.is_(False)))
    known = client.post("/password/forgot", data={"email": email.upper()})
    unknown = client.post("/password/forgot", data={"email": "nobody@bank.example.com"})
    deactivated = client.post("/password/forgot", data={"email": inactive})
    deliver(app)
    assert known.status_code == unknown.status_code == deactivated.status_code == 200
    assert page(known) == page(unknown) == page(deactivated)
    assert [m.recipients for m in smtp_server.received] == [[email]]
    path, _ = link_in(smtp_server.received[0])
    assert path.startswith("/account/reset/")
    assert client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    client.post("/login", data={"login": email, "password": NEW_PASSWORD})
    assert client.get("/certificates").status_code == 200


def test_a_reset_ends_every_other_session(app, client, login, smtp_server):
    with app.app_context():
        person = factories.user()
        email = person.email
    login(person)
    assert client.get("/certificates").status_code == 200
    other = app.test_client()
    other.post("/password/forgot", data={"email": email})
    deliver(app)
    path, _ = link_in(smtp_server.to(email)[0])
    assert other.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    response = client.get("/certificates")
    assert response.status_code == 302 and "/login" in response.location


def test_forgot_password_is_throttled_whether_or_not_the_address_exists(app, client, smtp_server):
    app.config.update(RESET_MAX_REQUESTS=2, RESET_IP_MAX_REQUESTS=100)
    with app.app_context():
        email = factories.user().email
    for address in (email, "nobody@bank.example.com"):
        statuses = [client.post("/password/forgot", data={"email": address}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429], address
    deliver(app)
    assert len(smtp_server.to(email)) == 2
    throttled = client.post("/password/forgot", data={"email": email})
    assert throttled.status_code == 429 and "Too many requests" in throttled.get_data(as_text=True)
    deliver(app)
    assert len(smtp_server.received) == 2
    # the limit lifts after the lock period
    with app.app_context():
        later = utcnow() + timedelta(seconds=app.config["LOGIN_LOCKOUT_SECONDS"] + 1)
        assert password_reset.request_reset(email, "127.0.0.1", now=later).accepted
        db.session.commit()
    deliver(app)
    assert len(smtp_server.to(email)) == 3


def test_forgot_password_is_throttled_per_client_address(app, client, smtp_server):
    app.config.update(RESET_MAX_REQUESTS=100, RESET_IP_MAX_REQUESTS=3)
    statuses = [client.post("/password/forgot", data={"email": f"x{n}@bank.example.com"}).status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    other_address = client.post("/password/forgot", data={"email": "y@bank.example.com"},
                                environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_address.status_code == 200


# --- bulk invitations and the users list -------------------------------------------------

def test_inviting_everyone_who_never_logged_in_after_an_import(app, client, login, smtp_server, admin):
    with app.app_context():
        dept = factories.department("CR-MAD")
        from trainer.hr.staff_import import import_staff

        import_staff(("employee_no,full_name,email,department_code,language\n"
                      "N1,Nora Uno,nora@bank.example.com,CR-MAD,en\n"
                      "N2,Nico Dos,nico@bank.example.com,CR-MAD,es\n").encode())
        factories.user(dept=dept)  # has a password of their own: not invited
    login(admin)
    assert "2 people have never logged in" in client.get("/people/import").get_data(as_text=True)
    response = client.post("/people/invitations", data={"next": "/people/import"}, follow_redirects=True)
    assert "2 invitations are on their way." in response.get_data(as_text=True)
    deliver(app)
    assert smtp_server.to("nora@bank.example.com")[0].body.startswith("Hello")
    assert smtp_server.to("nico@bank.example.com")[0].body.startswith("Hola")
    assert len(smtp_server.received) == 2
    again = client.post("/people/invitations", follow_redirects=True)
    deliver(app)
    assert "Nobody to invite" in again.get_data(as_text=True) and len(smtp_server.received) == 2


def test_the_users_list_shows_who_never_logged_in(app, client, login, admin):
    with app.app_context():
        never = newcomer()
        once = factories.user()
        never_name, once_name = never.full_name, once.full_name
    login(once)
    client.post("/logout")
    login(admin)
    listing = client.get("/admin/users?login=never").get_data(as_text=True)
    assert never_name in listing and once_name not in listing and "Never" in listing
    listing = client.get("/admin/users?login=yes").get_data(as_text=True)
    assert once_name in listing and never_name not in listing


def test_the_admin_form_sets_the_language(app, client, login, admin):
    with app.app_context():
        person = newcomer()
        values = {"employee_no": person.employee_no, "full_name": person.full_name, "email": person.email,
                  "department_id": person.department_id, "roles": ["staff"], "active": "y", "locale": "en"}
        person_id = person.id
    login(admin)
    assert client.post(f"/admin/users/{person_id}", data=values).status_code == 302
    with app.app_context():
        assert db.session.get(User, person_id).locale == "en"
        count = db.session.scalar(select(func.count()).select_from(User))
    assert count >= 2


def test_send_invitations_from_the_command_line(app, runner, smtp_server):
    with app.app_context():
        first, second = newcomer("en"), newcomer("es")
        numbers = (first.employee_no, second.employee_no)
    result = runner.invoke(args=["trainer", "send-invitations"])
    assert result.exit_code == 0 and "2 invitation(s) queued." in result.output
    assert "0 invitation(s) queued." in runner.invoke(args=["trainer", "send-invitations"]).output
    again = runner.invoke(args=["trainer", "send-invitations", "--employee-no", numbers[0].lower()])
    assert again.exit_code == 0 and "1 invitation(s) queued." in again.output
    unknown = runner.invoke(args=["trainer", "send-invitations", "--employee-no", "NOPE"])
    assert unknown.exit_code != 0 and "nobody was invited" in unknown.output
    deliver(app)
    assert len(smtp_server.received) == 3


def test_hr_invites_from_the_person_page(app, client, login, smtp_server):
    with app.app_context():
        hr = factories.user("hr")
        person = newcomer("en")
        person_id, email = person.id, person.email
    login(hr)
    page = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert "Has never logged in." in page and f"/people/{person_id}/invitation" in page
    response = client.post(f"/people/{person_id}/invitation", data={"next": f"/people/{person_id}"})
    assert response.status_code == 302 and response.location.endswith(f"/people/{person_id}")
    deliver(app)
    assert smtp_server.to(email)[0].body.startswith("Hello")


def test_the_import_sets_and_checks_the_language(ctx):
    from trainer.csv_import import ImportRejected
    from trainer.hr.staff_import import import_staff

    factories.department("CR-MAD")
    header = "employee_no,full_name,email,department_code,language\n"
    with pytest.raises(ImportRejected) as rejected:
        import_staff((header + "L1,Lia,lia@bank.example.com,CR-MAD,fr\n").encode())
    assert "language 'fr' should be one of: es, en" in str(rejected.value.errors[0])
    import_staff((header + "L1,Lia,lia@bank.example.com,CR-MAD,EN\n").encode())
    lia = db.session.scalar(select(User).where(User.employee_no == "L1"))
    assert lia.locale == "en"
    kept = import_staff(b"employee_no,full_name,email,department_code\nL1,Lia,lia@bank.example.com,CR-MAD\n")
    assert kept.unchanged == 1 and lia.locale == "en"  # no column: the language stays
    changed = import_staff((header + "L1,Lia,lia@bank.example.com,CR-MAD,es\n").encode())
    assert changed.updated == ["L1"] and lia.locale == "es"
