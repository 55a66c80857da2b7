"""Authentication rules: password checks, throttling, password changes."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from trainer.auth import password_rules
from trainer.people.models import Department, Role, User, UserRole, employee_no_is
from trainer.auth.models import LoginThrottle
from trainer.dbutil import get_or_create
from trainer.extensions import db
from trainer.refusals import Refusal
from trainer.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10


class PasswordPolicyError(Refusal):
    """`code`: too_short | same_as_login (views word it)."""

    def __init__(self, code: str):
        super().__init__(code, code, fields={"password": code})


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None = None
    locked_for_seconds: int = 0
    inactive: bool = False
    password_login_off: bool = False  # TRAINER_LOCAL_PASSWORDS=off and this person has no directory password

    @property
    def ok(self) -> bool:
        return self.user is not None


def people_with_roles(*roles: Role, excluding: set[int] = frozenset()) -> list[User]:
    """Active people holding any of `roles`, except the ids in `excluding` (one query)."""
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role_rows.any(UserRole.role.in_(roles)), User.id.not_in(excluding))
        .order_by(User.id)))


def find_person(employee_no: str) -> User | None:
    """The person with this employee number, whatever its case."""
    return db.session.scalar(select(User).where(employee_no_is(employee_no)))


def find_user_by_login(login: str) -> User | None:
    login = login.strip()
    if not login:
        return None
    return db.session.scalar(
        select(User).where(or_(employee_no_is(login), func.lower(User.email) == login.lower()))
    )


def authenticate(login: str, password: str, client_ip: str, now: datetime | None = None) -> LoginOutcome:
    """Check a login attempt, throttled per account and per client address.

    The account counter is the person's, whichever login names them (email or
    employee number); an unknown login has its own counter, so locks behave the
    same whether or not the account exists. A locked account refuses even the
    right password, so guessing gains nothing during the lock.

    An address past its limit never refuses the right password of an account
    that is not locked (behind a shared proxy or office NAT that address is
    everyone's), but every wrong password from it then locks the account it
    was aimed at: a guesser gets one try per account per lock period.

    Exactly one hash is verified per unlocked attempt, known account or not,
    with the configured method, so the time taken does not tell whether the
    account exists.

    A failed attempt is counted in the caller's transaction, and the caller must
    commit it although the login failed: the login page answers a failure as a
    page, not an error, so its request keeps the count (trainer/transactions.py).
    """
    now = now or utcnow()
    user = find_user_by_login(login)
    account_key = f"acct:user:{user.id}" if user else f"acct:login:{login.strip().lower()[:254]}"
    address_key = f"ip:{client_ip}"
    remaining = _locked_seconds([account_key], now)
    if remaining:
        return LoginOutcome(locked_for_seconds=remaining)
    if not password_rules.password_login_allowed(user):
        return LoginOutcome(password_login_off=True)

    if user is not None and password_rules.uses_directory(user):
        has_password, matches = True, password_rules.check_directory_password(user, password)
    else:
        has_password = user is not None and bool(user.password_hash)
        matches = verify_password(user.password_hash if has_password else dummy_hash(), password)
    if not (has_password and matches):
        address_locked = bool(_locked_seconds([address_key], now))
        _record_failure(account_key, address_key, now, lock_account=address_locked)
        return LoginOutcome(locked_for_seconds=_locked_seconds([account_key], now) if address_locked else 0)
    if not user.active:
        return LoginOutcome(inactive=True)
    _clear(account_key)
    return LoginOutcome(user=user)


def verify_password(password_hash: str, password: str) -> bool:
    """The one place a password is checked against a hash."""
    return check_password_hash(password_hash, password)


def dummy_hash() -> str:
    """A hash made with the configured method and cost, checked when no real one exists."""
    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _locked_seconds(keys: list[str], now: datetime) -> int:
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    until = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
    return int((max(until) - now).total_seconds()) + 1 if until else 0


def _record_failure(account_key: str, address_key: str, now: datetime, *, lock_account: bool) -> None:
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_LOCKOUT_SECONDS"])
    limits = {account_key: 1 if lock_account else cfg["LOGIN_MAX_FAILURES"],
              address_key: cfg["LOGIN_IP_MAX_FAILURES"]}
    for key, limit in limits.items():
        row = _throttle_row(key, now)
        if row.window_started_at + window < now:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limit:  # a locked address that keeps failing stays locked
            row.locked_until = now + window
            row.failures, row.window_started_at = 0, now


def _throttle_row(key: str, now: datetime) -> LoginThrottle:
    row, _created = get_or_create(LoginThrottle, {"failures": 0, "window_started_at": now}, key=key)
    return row


def _clear(key: str) -> None:
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    if row is not None:
        db.session.delete(row)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_policy(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError("too_short")
    if password.strip().lower() in {user.employee_no.lower(), user.email.lower()}:
        raise PasswordPolicyError("same_as_login")


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Set a password and end the person's other sessions."""
    check_password_policy(user, password)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.session_version += 1


def end_sessions(user: User) -> None:
    """Log out: the session id and the remember cookie carry the old version, so
    neither opens a page again, on this device or any other."""
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> bool:
    if not user.password_hash or not verify_password(user.password_hash, current):
        return False
    set_password(user, new)
    return True


def load_user_for_session(session_id: str, identity_only: bool = False) -> User | SessionIdentity | None:
    """Flask-Login loader: the id carries the session version (see User.get_id).

    One query: the person with their department and roles. With `identity_only`
    (views marked `security.identity_only`, e.g. the exam autosave) a lighter one
    without ORM objects, answering the same checks: a deactivated account or a
    session of an older password version is refused either way.
    """
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    if identity_only:
        return _session_identity(user_id, version)
    user = db.session.scalars(_session_user(), {"user_id": user_id}).unique().first()
    if user is None or user.session_version != version or not user.active:
        return None
    return user


@cache  # built once, on first use (once every model is mapped): building a statement costs more than running it
def _session_user():
    return select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("user_id"))


_IDENTITY = (select(User.session_version, User.active, User.must_change_password, User.locale, User.full_name,
                    User.email, User.department_id, Department.name, UserRole.role)
             .join(Department, Department.id == User.department_id)
             .outerjoin(UserRole, UserRole.user_id == User.id).where(User.id == bindparam("user_id")))


def _session_identity(user_id: int, version: int) -> SessionIdentity | None:
    rows = db.session.connection().execute(_IDENTITY, {"user_id": user_id}).all()
    if not rows:
        return None
    first = rows[0]
    if first.session_version != version or not first.active:
        return None
    return SessionIdentity(user_id, first.session_version, first.must_change_password, first.locale,
                           frozenset(row.role for row in rows if row.role is not None),
                           first.full_name, first.email, first.department_id, first.name)


class SessionIdentity:
    """The logged-in person as far as a hot page or JSON endpoint needs them: id, roles, name, email,
    department and locale, and the session checks, read without building ORM objects. Any other
    attribute loads the full `User` once and reads it from there; nothing may be set."""

    __slots__ = ("id", "session_version", "must_change_password", "locale", "roles", "full_name", "email",
                 "department_id", "department_name", "_user")
    is_authenticated = True
    is_active = True  # only active accounts are loaded
    is_anonymous = False

    def __init__(self, user_id: int, session_version: int, must_change_password: bool, locale: str | None,
                 roles: frozenset[Role], full_name: str, email: str, department_id: int, department_name: str):
        for name, value in (("id", user_id), ("session_version", session_version),
                            ("must_change_password", must_change_password), ("locale", locale),
                            ("roles", roles), ("full_name", full_name), ("email", email),
                            ("department_id", department_id), ("department_name", department_name),
                            ("_user", None)):
            object.__setattr__(self, name, value)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles.intersection(Role(r) for r in roles))

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        user = object.__getattribute__(self, "_user")
        if user is None:
            user = db.session.get(User, self.id)
            object.__setattr__(self, "_user", user)
        return getattr(user, name)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"SessionIdentity is read-only: load the User to change {name!r}")

    def __repr__(self) -> str:
        return f"<SessionIdentity user {self.id}>"
