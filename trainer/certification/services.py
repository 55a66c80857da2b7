"""The qualification lifecycle and the gate.

Who was qualified when is defined once, in `standing.py`; `is_qualified` and
`standing` read it for one person. Grants, renewals and reinstatements come
from passed exams; HR and admin suspend and revoke with a reason; every change
is an event.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Callable

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from trainer import events, policies
from trainer.people.models import User
from trainer.certification import standing as rules
from trainer.certification.definitions import Qualification, load_qualifications
from trainer.certification.models import Certificate, CertificateStatus, CertificationEvent, EventKind
# The states are defined with the rule; re-exported because every feature reads them from here.
from trainer.certification.standing import ACTIVE, EXPIRED, EXPIRING, NONE, REVOKED, SUSPENDED  # noqa: F401
from trainer.extensions import db
from trainer.refusals import Refusal
from trainer.timeutil import add_months, local_today, utcnow


class LifecycleError(Refusal):
    """A lifecycle change refused by a rule (message for the person who asked)."""

    default_code = "lifecycle"


def definitions() -> dict[str, Qualification]:
    """Qualification definitions from question_bank/ (read through the policy cache)."""
    return policies.cached("qualifications", load_qualifications, config_key="QUESTION_BANK_DIR")


def definition(code: str) -> Qualification:
    try:
        return definitions()[code]
    except KeyError:
        raise LifecycleError(_l("unknown qualification '%(code)s'", code=code)) from None


def localised_title(code: str) -> Callable[[str], str]:
    """The qualification's title as a function of the language: the outbox calls it with each recipient's."""
    return lambda language: definition(code).title(language)


def today(now: datetime | None = None) -> date:
    return local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"], now)


# --- reading state ------------------------------------------------------------
# The rule itself lives in trainer/certification/standing.py; these are its
# readings for one person and for the pages.

def state_on(cert: Certificate | None, on: date, window_days: int) -> str:
    """active | expiring | expired | suspended | revoked | none, as of a day (see standing.py)."""
    return rules.state_on(cert, on, window_days)


@dataclass(frozen=True)
class Standing:
    """A person's standing in one qualification today."""

    qualification: Qualification
    certificate: Certificate | None  # the one in force
    state: str

    @property
    def renewal_opens_on(self) -> date | None:
        if self.certificate is None or self.state not in (ACTIVE, EXPIRING):
            return None
        return self.certificate.expires_on - timedelta(days=self.qualification.renewal_window_days)


def latest_certificates(user_ids: list[int], code: str | None = None,
                        on: date | None = None) -> dict[tuple[int, str], Certificate]:
    """The latest certificate per person and qualification, in one query.
    With `on`: the one in force that day (the latest started by then; an early renewal starts later)."""
    if not user_ids:
        return {}
    query = _in_force_query(code, on)
    return {(cert.user_id, cert.qualification): cert for cert in db.session.scalars(query, {"user_ids": user_ids})}


@lru_cache(maxsize=256)
def _in_force_query(code: str | None, on: date | None):
    """The statement for one day and qualification, built once (the people are its parameter):
    building the standing rule's SQL and its cache key cost more than running it."""
    return select(Certificate).where(Certificate.user_id.in_(bindparam("user_ids", expanding=True)),
                                     rules.in_force(Certificate, on, code))


@contextmanager
def preloaded(user_ids: list[int], days):
    """Within the block, `standing` and `is_qualified` of these people on these days read the
    certificates in force loaded here, one query per day, instead of asking per person and
    qualification (the same rule: standing.py's `state_on` is its SQL CASE in Python).
    For reading many people at once (the eligibility batch); nothing may change them meanwhile."""
    loaded = {day: latest_certificates(list(user_ids), on=day) for day in set(days)}
    previous = g.get("_certificates_preloaded")
    g._certificates_preloaded = (set(user_ids), loaded)
    try:
        yield
    finally:
        g._certificates_preloaded = previous


def _preloaded(user_id: int, day: date) -> dict[tuple[int, str], Certificate] | None:
    found = g.get("_certificates_preloaded")
    if found is None or user_id not in found[0] or day not in found[1]:
        return None
    return found[1][day]


def standing(user_id: int, code: str, on: date | None = None) -> Standing:
    """The person's standing on a day (today by default), from the certificate in force then."""
    qualification = definition(code)
    day = on or today()
    certificates = _preloaded(user_id, day)
    if certificates is None:
        certificates = latest_certificates([user_id], code, day)
    cert = certificates.get((user_id, code))
    return Standing(qualification, cert, state_on(cert, day, qualification.renewal_window_days))


def standings(user_id: int, on: date | None = None) -> list[Standing]:
    day = on or today()
    latest = latest_certificates([user_id], on=day)
    return [Standing(q, latest.get((user_id, q.code)), state_on(latest.get((user_id, q.code)), day, q.renewal_window_days))
            for q in definitions().values()]


def is_qualified(user: User | int, code: str, on: date | None = None) -> bool:
    """Did the person hold a valid `code` qualification on that day (today by default)?

    The record of that day, as standing.py defines it: the certificate in force
    then was active or expiring, and so was every prerequisite's. Whether the
    person may act NOW on an act dated that day is the gate's question
    (trainer/inspections/gate.py), which asks this for that day and for today.
    """
    user_id = user if isinstance(user, int) else user.id
    definition(code)
    day, known = on or today(), definitions()
    certificates = _preloaded(user_id, day)
    if certificates is not None:
        states = {needed: state_on(certificates.get((user_id, needed)), day, known[needed].renewal_window_days)
                  for needed in rules.closure(code, known)}
        return rules.qualifies(states, code, known)
    _states, qualified = rules.bulk([user_id], code, day, known)
    return user_id in qualified


# --- changes ------------------------------------------------------------------

def _record(user_id: int, code: str, kind: EventKind, cert: Certificate | None, actor: User | None,
            reason: str = "", source: str | None = None, at: datetime | None = None) -> CertificationEvent:
    event = CertificationEvent(user_id=user_id, qualification=code, certificate_id=cert.id if cert else None,
                               kind=kind, actor_id=actor.id if actor else None, reason=reason, source=source,
                               at=at or utcnow())
    db.session.add(event)
    return event


def grant_for_pass(user: User, code: str, attempt_id: int, now: datetime | None = None) -> Certificate:
    """Issue the certificate a passed exam earns: a first grant, a renewal or a reinstatement.

    A renewal starts the day after the current certificate ends, so renewing
    early in the window loses no days. Called inside the submitting transaction.
    """
    now = now or utcnow()
    qualification = definition(code)
    day = today(now)
    previous = latest_certificates([user.id], code).get((user.id, code))
    if previous is not None and previous.status is CertificateStatus.ACTIVE and previous.expires_on >= day:
        valid_from, kind = previous.expires_on + timedelta(days=1), EventKind.RENEWED
    else:
        valid_from = day
        kind = EventKind.REINSTATED if previous is not None and previous.status is CertificateStatus.SUSPENDED else EventKind.GRANTED
    cert = Certificate(
        user_id=user.id, qualification=code, status=CertificateStatus.ACTIVE, valid_from=valid_from,
        expires_on=add_months(valid_from, qualification.validity_months) - timedelta(days=1),
        granted_at=now, attempt_id=attempt_id, previous_id=previous.id if previous else None,
        verify_code=secrets.token_urlsafe(18), badge_salt=secrets.token_hex(8),
    )
    db.session.add(cert)
    db.session.flush()
    _record(user.id, code, kind, cert, None, source=f"attempt:{attempt_id}", at=now)
    return cert


def _end(user: User, code: str, status: CertificateStatus, kind: EventKind, actor: User | None, reason: str,
         source: str | None, now: datetime | None) -> list[Certificate]:
    if actor is not None and actor.id == user.id:
        raise LifecycleError(_l("nobody changes their own qualification: another HR person or an administrator must"))
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError(_l("a reason is required"))
    definition(code)
    now = now or utcnow()
    day = today(now)
    live = db.session.scalars(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.qualification == code,
        Certificate.status == CertificateStatus.ACTIVE, Certificate.expires_on >= day,
    ).with_for_update()).all()
    if not live:
        raise LifecycleError(_l("the person holds no valid certificate for this qualification"))
    for cert in live:
        cert.status, cert.ended_at = status, now
    event = _record(user.id, code, kind, live[-1], actor, reason, source, now)
    db.session.flush()
    events.send(events.qualification_ended, user=user, code=code, kind=kind, reason=reason, event=event)
    return live


def suspend(user: User, code: str, actor: User | None, reason: str, source: str | None = None,
            now: datetime | None = None) -> list[Certificate]:
    """Suspend until retraining and a passed re-exam. `actor` None means a rule did it
    (e.g. a severe sanction, with `source` naming the ledger entry). The caller commits."""
    return _end(user, code, CertificateStatus.SUSPENDED, EventKind.SUSPENDED, actor, reason, source, now)


def revoke(user: User, code: str, actor: User, reason: str, now: datetime | None = None) -> list[Certificate]:
    """Withdraw the qualification. Requalifying means training and the exam again."""
    return _end(user, code, CertificateStatus.REVOKED, EventKind.REVOKED, actor, reason, None, now)


def events_for(user_id: int) -> list[CertificationEvent]:
    return list(db.session.scalars(select(CertificationEvent).where(CertificationEvent.user_id == user_id)
                                   .order_by(CertificationEvent.at.desc(), CertificationEvent.id.desc())))


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.verify_code == code))


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.valid_from.desc(), Certificate.id.desc())))


