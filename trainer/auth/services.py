"""Authentication rules: password checks, throttling, password changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from trainer.auth.models import LoginThrottle, User
from trainer.dbutil import get_or_create
from trainer.extensions import db
from trainer.timeutil import as_utc, utcnow

MIN_PASSWORD_LENGTH = 10
# Checked when no account matches, so a wrong login costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="pbkdf2:sha256:1000")


class PasswordPolicyError(ValueError):
    pass


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None = None
    locked_for_seconds: int = 0
    inactive: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


def find_user_by_login(login: str) -> User | None:
    login = login.strip()
    if not login:
        return None
    return db.session.scalar(
        select(User).where(or_(User.employee_no == login, func.lower(User.email) == login.lower()))
    )


def authenticate(login: str, password: str, client_ip: str, now: datetime | None = None) -> LoginOutcome:
    """Check a login attempt, throttled per account and per client address.

    A locked key refuses even the right password, so guessing gains nothing
    during the lock. The outcome never says whether the account exists.
    """
    now = now or utcnow()
    keys = [f"acct:{login.strip().lower()}", f"ip:{client_ip}"]
    remaining = _locked_seconds(keys, now)
    if remaining:
        return LoginOutcome(locked_for_seconds=remaining)

    user = find_user_by_login(login)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        _record_failure(keys, now)
        return LoginOutcome()
    if not check_password_hash(user.password_hash, password):
        _record_failure(keys, now)
        return LoginOutcome()
    if not user.active:
        return LoginOutcome(inactive=True)
    _clear(keys[0])
    return LoginOutcome(user=user)


def _locked_seconds(keys: list[str], now: datetime) -> int:
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    until = [as_utc(r.locked_until) for r in rows if r.locked_until and as_utc(r.locked_until) > now]
    return int((max(until) - now).total_seconds()) + 1 if until else 0


def _record_failure(keys: list[str], now: datetime) -> None:
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_LOCKOUT_SECONDS"])
    limits = {"acct": cfg["LOGIN_MAX_FAILURES"], "ip": cfg["LOGIN_IP_MAX_FAILURES"]}
    for key in keys:
        row = _throttle_row(key, now)
        if as_utc(row.window_started_at) + window < now:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limits[key.split(":", 1)[0]]:
            row.locked_until = now + window
            row.failures, row.window_started_at = 0, now
    db.session.commit()


def _throttle_row(key: str, now: datetime) -> LoginThrottle:
    row, _created = get_or_create(LoginThrottle, {"failures": 0, "window_started_at": now}, key=key)
    return row


def _clear(key: str) -> None:
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    if row is not None:
        db.session.delete(row)
        db.session.commit()


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


def change_password(user: User, current: str, new: str) -> bool:
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        return False
    set_password(user, new)
    db.session.commit()
    return True


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session version (see User.get_id)."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user
