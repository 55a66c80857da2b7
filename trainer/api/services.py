"""API tokens and the eligibility answer other bank systems ask for.

A token's plaintext exists only in the response that issues it; the database
keeps its SHA-256, so a leaked copy of the database grants no access.
A token carries scopes (scopes.py) and may be bound to one person, the only
one it may submit inspection reports for (trainer/inspections/channel.py).
Eligibility is the inspection gate's answer, never decided here.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import aliased, lazyload

from trainer.audit_log import services as audit_trail
from trainer.people.models import User, employee_no_is, employee_no_key
from trainer.api.scopes import Scope, serialize
from trainer.certification import services as certification
from trainer.api.models import ApiToken
from trainer.extensions import db
from trainer.transactions import after_commit
from trainer.inspections.gate import refusal
from trainer.timeutil import utcnow

TOKEN_SCHEME = "trn_"
PREFIX_LENGTH = 8
# token_urlsafe(32) gives 43 characters; anything much longer is not ours and is not hashed.
MAX_TOKEN_LENGTH = 100
# The most employee numbers one eligibility batch may ask about (more: 413).
MAX_BATCH = 500

log = logging.getLogger(__name__)


class UnknownEmployee(LookupError):
    """No person has that employee number."""


class UnknownQualification(ValueError):
    """The qualification code is not defined."""


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_token(name: str, created_by: User, scopes=(Scope.ELIGIBILITY_READ,),
                bound_to: User | None = None) -> tuple[ApiToken, str]:
    """A new token with `scopes`, for `bound_to` alone if given; the plaintext is returned once and never stored."""
    if not scopes:
        raise ValueError("a token needs at least one scope")
    plaintext = TOKEN_SCHEME + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), prefix=plaintext[len(TOKEN_SCHEME):][:PREFIX_LENGTH],
                     token_hash=_digest(plaintext), created_by_id=created_by.id, created_at=utcnow(), use_count=0,
                     scopes=serialize(scopes), bound_user_id=bound_to.id if bound_to else None)
    db.session.add(token)
    db.session.flush()
    audit_trail.record("token.issued", f"token:{token.id}", actor=created_by, person=bound_to,
                       after={"name": token.name, "prefix": token.prefix, "scopes": token.scopes,
                              "bound_user_id": token.bound_user_id})
    message = ("API token %s (%s) with scopes %r bound to user %s issued by user %s", token.id, token.prefix,
               token.scopes, token.bound_user_id, created_by.id)
    after_commit(lambda: log.info(*message))  # the log says what the database kept
    return token, plaintext


def revoke_token(token: ApiToken, actor: User) -> None:
    """Refuse the token from now on. Revoking twice keeps the first date."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit_trail.record("token.revoked", f"token:{token.id}", actor=actor, before={"revoked": False},
                           after={"revoked": True, "name": token.name})
        message = ("API token %s (%s) revoked by user %s", token.id, token.prefix, actor.id)
        after_commit(lambda: log.info(*message))


def authenticate(header_value: str | None) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer …` header, or None.

    The lookup is by hash, so response time does not depend on how much of a
    guessed token matches a real one. A revoked token matches nothing.
    """
    scheme, _, plaintext = (header_value or "").strip().partition(" ")
    plaintext = plaintext.strip()
    if scheme.lower() != "bearer" or not plaintext.startswith(TOKEN_SCHEME) or len(plaintext) > MAX_TOKEN_LENGTH:
        return None
    digest = _digest(plaintext)
    token = db.session.scalar(_LIVE_TOKEN, {"digest": digest})
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    return token


def count_use(token: ApiToken, *, read_only: bool = False) -> None:
    """Count one use of `token` (in SQL, so concurrent requests lose none), in the caller's transaction.

    The API counts a use as its request's last statement: the token's row is then locked only until the
    commit that follows, where counting at authentication would hold it, and on SQLite the database's
    write lock, for the whole request. `read_only`: the request changes nothing else (GET, HEAD), so on
    PostgreSQL its commit need not wait for the disk (synchronous_commit off, this transaction only): a
    use count and a last-used time are statistics, and a crash of the database server may forget the last
    fraction of a second of them, as SQLite's default synchronous=NORMAL may. A request that writes keeps
    a durable commit.
    """
    relaxed = read_only and db.session.connection().dialect.name == "postgresql"
    db.session.execute(_COUNT_USE[relaxed], {"of_token": token.id, "at": utcnow()})


_LIVE_TOKEN = select(ApiToken).where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None))


def _count_use(relaxed: bool):
    statement = (update(ApiToken).where(ApiToken.id == bindparam("of_token"))
                 .values(use_count=ApiToken.use_count + 1,
                         last_used_at=bindparam("at", type_=ApiToken.last_used_at.type))
                 .execution_options(synchronize_session=False))
    return statement.returning(func.set_config("synchronous_commit", "off", True)) if relaxed else statement


_COUNT_USE = {relaxed: _count_use(relaxed) for relaxed in (False, True)}


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    created_by: str
    bound_to: str | None  # "Full Name (employee no)" of the person it is bound to
    scopes: list[Scope]  # in the enum's order


def token_rows() -> list[TokenRow]:
    """Every token, newest first, with its issuer's and bound person's names (one query)."""
    bound = aliased(User)
    rows = db.session.execute(select(ApiToken, User.full_name, bound.full_name, bound.employee_no)
                              .join(User, User.id == ApiToken.created_by_id)
                              .outerjoin(bound, bound.id == ApiToken.bound_user_id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [TokenRow(token, full_name, f"{bound_name} ({bound_no})" if bound_name else None,
                     [s for s in Scope if s in token.granted])
            for token, full_name, bound_name, bound_no in rows]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def eligibility(employee_no: str, qualification_code: str | None, on_date: date) -> dict:
    """Whether the person may act under each qualification for `on_date`.

    `eligible` is the gate's answer for an act dated `on_date` recorded today
    (trainer/inspections/gate.py `refusal`, the rule in
    trainer/certification/standing.py), and `reason` its refusal code when it
    refuses: so a deactivated, currently suspended or since expired person is
    not eligible, nor is a day in the future or beyond the filing window.
    `qualified` is the record of that day alone (held a valid qualification
    then); `state`, `valid_from` and `expires_on` describe the certificate in
    force on `on_date`.
    """

    codes = _codes(qualification_code)
    person = db.session.scalar(_person_by_number(), {"employee_no": employee_no_key(employee_no)})
    if person is None:
        raise UnknownEmployee(employee_no)
    today = certification.today()
    with certification.preloaded([person.id], {on_date, today}):  # two queries, not two per qualification
        return _answer(person, codes, on_date, today)


def eligibility_batch(employee_nos: list[str], qualification_code: str | None, on_date: date) -> dict:
    """`eligibility` for many people in one answer, with a fixed number of queries however many:
    the people in one, the certificates in force on `on_date` and today in one each, then the
    same rule (`_answer`, the gate's `refusal`) per person. Numbers no person has are listed
    under `unknown`; each number is answered once, in the order first asked."""
    codes = _codes(qualification_code)
    wanted = list(dict.fromkeys(employee_no_key(number) for number in employee_nos))
    people = {employee_no_key(person.employee_no): person for person in db.session.scalars(
        _people().where(func.lower(User.employee_no).in_(wanted)))} if wanted else {}
    today = certification.today()
    found = [people[number] for number in wanted if number in people]
    with certification.preloaded([person.id for person in found], {on_date, today}):
        results = [_answer(person, codes, on_date, today) for person in found]
    return {"on": on_date.isoformat(), "results": results,
            "unknown": [number for number in dict.fromkeys(n.strip() for n in employee_nos)
                        if employee_no_key(number) not in people]}


def _people():
    """People for an eligibility answer, which reads their id, number and whether they are active:
    department and roles are left unloaded (read on access, should anything ask)."""
    return select(User).options(lazyload(User.department), lazyload(User.role_rows))


@cache  # built once, on first use: the eligibility API asks it on every call
def _person_by_number():
    return _people().where(employee_no_is(bindparam("employee_no")))


def _codes(qualification_code: str | None) -> list[str]:
    known = certification.definitions()
    if qualification_code is not None and qualification_code not in known:
        raise UnknownQualification(qualification_code)
    return [qualification_code] if qualification_code else list(known)


def _answer(person: User, codes: list[str], on_date: date, today: date) -> dict:
    answers = {}
    for code in codes:
        standing = certification.standing(person.id, code, on_date)
        cert = standing.certificate
        why = refusal(person, code, on_date, today)
        answers[code] = {
            "eligible": why is None,
            "reason": None if why is None else why.code,
            "qualified": certification.is_qualified(person.id, code, on_date),
            "state": standing.state,
            "valid_from": _iso(cert.valid_from if cert else None),
            "expires_on": _iso(cert.expires_on if cert else None),
        }
    return {"employee_no": person.employee_no, "on": on_date.isoformat(), "active": person.active,
            "qualifications": answers}

