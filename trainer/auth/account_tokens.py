"""One-time links that let a person set a password: invitations and password resets.

A token is 32 random bytes shown once, in the link; only its SHA-256 is stored.
Each token is bound to its purpose (an invitation link is no reset link and vice
versa), expires, and is used at most once: the use is a conditional UPDATE, so of
two requests presenting the same token at the same moment exactly one wins. A
newer token for the same person supersedes the older ones, and a token stops
working as soon as the person's password changes by any path (it remembers a
fingerprint of the password hash it was issued against).
"""
from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Enum, ForeignKey, String, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from trainer.audit_log import services as audit_trail
from trainer.auth import password_rules
from trainer.people.models import User
from trainer.auth.services import check_password_policy, set_password
from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import as_utc, utcnow

TOKEN_BYTES = 32


class Purpose(str, enum.Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(db.Model):
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(
        Enum(Purpose, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the password hash when issued: any password change makes the token useless.
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer token for the person was issued, or the password was set with another one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TokenInvalid(Exception):
    """The link is unknown, expired, used, superseded, for another purpose, or its person's password changed."""


@dataclass(frozen=True)
class IssuedToken:
    row: AccountToken
    token: str  # the secret, for the link only; never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode("utf-8")).hexdigest()


def lifetime(purpose: Purpose) -> timedelta:
    config = current_app.config
    hours = config["INVITATION_TOKEN_HOURS"] if purpose is Purpose.INVITATION else config["RESET_TOKEN_HOURS"]
    return timedelta(hours=hours)


def issue(user: User, purpose: Purpose, *, actor: User | None = None, now: datetime | None = None) -> IssuedToken:
    """A new token for `user` (older unused ones are superseded). Flushes; the caller commits."""
    now = now or utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = AccountToken(user_id=user.id, purpose=purpose, token_hash=hash_token(token),
                       password_fingerprint=password_fingerprint(user), created_at=now,
                       expires_at=now + lifetime(purpose), created_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    return IssuedToken(row, token)


def local_password_possible(user: User) -> bool:
    """Whether a set-password link makes sense for this person: not when their password is the
    directory's (LDAP), nor when local passwords are off for them (single sign-on)."""
    if password_rules.uses_directory(user):
        return False
    return password_rules.local_passwords_on() or password_rules.is_break_glass_admin(user)


def _usable(row: AccountToken | None, purpose: Purpose, now: datetime) -> tuple[AccountToken, User]:
    if row is None or row.purpose is not purpose or row.used_at is not None or row.revoked_at is not None:
        raise TokenInvalid()
    if as_utc(row.expires_at) <= now:
        raise TokenInvalid()
    user = db.session.get(User, row.user_id)
    if user is None or not user.active or password_fingerprint(user) != row.password_fingerprint:
        raise TokenInvalid()
    if not local_password_possible(user):
        raise TokenInvalid()
    return row, user


def check(token: str, purpose: Purpose, now: datetime | None = None) -> User:
    """Whose token this is, if it may still be used for `purpose` (nothing is changed)."""
    now = now or utcnow()
    if not token or len(token) > 200:
        raise TokenInvalid()
    row = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == hash_token(token)))
    return _usable(row, purpose, now)[1]


def redeem(token: str, purpose: Purpose, new_password: str, now: datetime | None = None) -> User:
    """Set the person's password with the token, once.

    Raises TokenInvalid, or PasswordPolicyError (the token is then left unused,
    so the person can try another password). Setting the password ends every
    session the person has open (see auth.services.set_password). The token is
    marked used in the caller's transaction, with the password it set: both are
    committed together, or neither is.
    """
    now = now or utcnow()
    user = check(token, purpose, now)
    check_password_policy(user, new_password)  # before the token is spent
    row_hash = hash_token(token)
    # The conditional UPDATE is the lock: of two concurrent uses only one changes the row.
    won = db.session.execute(
        update(AccountToken)
        .where(AccountToken.token_hash == row_hash, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None), AccountToken.expires_at > now,
               AccountToken.password_fingerprint == password_fingerprint(user))
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:  # nothing was changed: the caller's transaction stays as it was
        raise TokenInvalid()
    db.session.refresh(user)
    set_password(user, new_password)
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    audit_trail.record("password.set_by_link", f"user:{user.id}", actor=user, person=user,
                       after={"purpose": purpose.value})
    return user


def pending_invitation_holders(now: datetime | None = None):
    """A subquery of the people holding an invitation that still works (not used, superseded or expired)."""
    now = now or utcnow()
    return select(AccountToken.user_id).where(
        AccountToken.purpose == Purpose.INVITATION, AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None), AccountToken.expires_at > now)


def never_logged_in():
    """People who have never logged in and have no password of their own yet (none, or a temporary one)."""
    return (User.last_login_at.is_(None), or_(User.password_hash == "", User.must_change_password.is_(True)))
