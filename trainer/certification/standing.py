"""A person's standing in a qualification on a day: the ONE definition.

Everything that asks "was this person qualified as X on day D" (the gate, the
eligibility API, the HR matrix, the quarterly evaluation, the exams' and the
ledger's checks) reads it from here, in one of three derived forms that cannot
drift apart because they are built from the same rule table, `_RULES`:

1. `state_on(cert, day, window)`: the state of one certificate, in Python;
2. `state_sql(cert, day, window)`: the same rules as an SQL ``CASE`` over an
   aliased Certificate (filters, counts, exports);
3. `bulk(people, code, day)`: every person's state and qualification in one
   query (the evaluation, `is_qualified`).

The semantics, decided once:

* **In force.** The certificate of (person, X) in force on D is the latest to
  have started by D: the greatest (valid_from, id) with valid_from <= D. An
  early renewal (which starts the day after the current one expires) is not
  in force before it starts. `in_force` is that rule in SQL; Python never
  re-picks it.
* **State on D** of that certificate, the first rule that holds:
  ``none`` (no certificate in force) · ``revoked`` / ``suspended`` (ended
  before the local midnight that closes D: an ending counts for the whole
  bank day it happened and every day after; the days before it keep their
  record) · ``none`` (not started yet, only when one certificate is asked
  about directly) · ``expired`` (D after expires_on, the last valid day) ·
  ``expiring`` (D within renewal_window_days of expires_on) · ``active``.
* **Qualified as X on D** iff the state on D is active or expiring AND the
  person is qualified on D in every prerequisite of X (a supervisor must
  also be a valid inspector), recursively.
* **May act** (trainer/inspections/gate.py, the rule both the gate and the
  eligibility API answer with): to record an act dated D today, the account
  is active, D is not in the future nor more than the inspection policy's
  `max_days_back` before today, and the person is qualified as X both on D
  AND today. "Today" covers what used to be a separate rule (a current
  suspension or revocation stops everything, whatever D is) and closes the
  back-dating hole: an expired inspector cannot file a report dated while
  still valid. So the API's `eligible` for D is exactly what the gate would
  do with a report dated D filed now; its `qualified` is the record of D.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import cache, lru_cache
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select
from sqlalchemy.orm import aliased

from trainer.certification.models import Certificate, CertificateStatus
from trainer.extensions import db
from trainer.timeutil import as_utc

ACTIVE, EXPIRING, EXPIRED = "active", "expiring", "expired"
SUSPENDED, REVOKED, NONE = "suspended", "revoked", "none"
QUALIFYING = (ACTIVE, EXPIRING)
UPCOMING = "upcoming"  # a renewal issued before the current certificate ends, not started yet
# The one name of each state, on every page, export and mail.
STATE_LABELS = {
    ACTIVE: _l("Valid"),
    EXPIRING: _l("Expiring soon"),
    UPCOMING: _l("Not yet valid"),
    EXPIRED: _l("Expired"),
    SUSPENDED: _l("Suspended"),
    REVOKED: _l("Revoked"),
    NONE: _l("Not qualified"),
}
# Each state's badge on the pages; the label is always shown too: colour alone must not carry the meaning.
STATE_BADGES = {
    ACTIVE: "text-bg-success",
    EXPIRING: "text-bg-warning",
    UPCOMING: "text-bg-info",
    EXPIRED: "text-bg-secondary",
    SUSPENDED: "text-bg-danger",
    REVOKED: "text-bg-dark",
    NONE: "text-bg-light border",
}
# The states a person can be found in by the matrix's filter (an upcoming renewal is not one).
FILTERABLE_STATES = (ACTIVE, EXPIRING, EXPIRED, SUSPENDED, REVOKED, NONE)


def day_end(day: date) -> datetime:
    """The UTC moment the bank's day `day` ends (its next local midnight)."""
    return _day_end(day, current_app.config["BABEL_DEFAULT_TIMEZONE"])


@lru_cache(maxsize=1024)  # callers choose the day: bounded
def _day_end(day: date, zone_name: str) -> datetime:
    # Asked for every certificate a rule reads (a batch: thousands of times for a few days).
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone_name)).astimezone(timezone.utc)


# --- the rule table -------------------------------------------------------------
# Each condition is written once over a "view" of a certificate; comparisons on
# dates read the same on a Python value and on a column, so only the few
# operations below differ between the Python view and the SQL view.

class _PythonView:
    def __init__(self, cert: Certificate | None):
        self.cert = cert
        self.missing = cert is None
        self.valid_from = cert.valid_from if cert else None
        self.expires_on = cert.expires_on if cert else None

    def ended_by(self, end: datetime) -> bool:
        return self.cert.ended_at is not None and as_utc(self.cert.ended_at) < end

    @property
    def revoked(self) -> bool:
        return self.cert.status == CertificateStatus.REVOKED


class _SqlView:
    def __init__(self, cert):
        self.missing = cert.id.is_(None)
        self.valid_from, self.expires_on = cert.valid_from, cert.expires_on
        self._cert = cert

    def ended_by(self, end: datetime) -> ColumnElement[bool]:
        return and_(self._cert.ended_at.is_not(None), self._cert.ended_at < end)

    @property
    def revoked(self) -> ColumnElement[bool]:
        return self._cert.status == CertificateStatus.REVOKED


Rule = Callable[[object, date, datetime, int], object]
_RULES: tuple[tuple[Rule, str], ...] = (
    (lambda c, day, end, window: c.missing, NONE),
    (lambda c, day, end, window: c.ended_by(end) & c.revoked, REVOKED),
    (lambda c, day, end, window: c.ended_by(end), SUSPENDED),
    (lambda c, day, end, window: c.valid_from > day, NONE),
    (lambda c, day, end, window: c.expires_on < day, EXPIRED),
    (lambda c, day, end, window: c.expires_on <= day + timedelta(days=window), EXPIRING),
)
_OTHERWISE = ACTIVE


def state_on(cert: Certificate | None, day: date, window_days: int) -> str:
    """(1) The state of one certificate on `day`, in Python."""
    view, end = _PythonView(cert), day_end(day)
    for condition, state in _RULES:
        if condition(view, day, end, window_days):  # evaluated in order: later rules may assume a certificate
            return state
    return _OTHERWISE


def state_sql(cert, day: date, window_days: int) -> ColumnElement[str]:
    """(2) `state_on` as an SQL CASE over an aliased Certificate (NULL columns: none)."""
    view, end = _SqlView(cert), day_end(day)
    return case(*[(condition(view, day, end, window_days), state) for condition, state in _RULES], else_=_OTHERWISE)


def in_force(cert, day: date | None, code: str | None = None) -> ColumnElement[bool]:
    """SQL: `cert` is the person's certificate of its qualification in force on `day`
    (None: the latest of all). NOT EXISTS rather than ROW_NUMBER(): SQLite answers
    it with index lookups and PostgreSQL plans it as a hash anti-join."""
    newer = _alias("newer", code)
    superseded = exists().where(
        newer.user_id == cert.user_id, newer.qualification == cert.qualification,
        *([newer.valid_from <= day] if day is not None else []),
        or_(newer.valid_from > cert.valid_from, and_(newer.valid_from == cert.valid_from, newer.id > cert.id)))
    conditions = [~superseded]
    if day is not None:
        conditions.append(cert.valid_from <= day)
    if code is not None:
        conditions.append(cert.qualification == code)
    return and_(*conditions)


@cache
def _alias(role: str, code: str | None):
    """One alias of Certificate per role and qualification, made once per process: an alias
    builds a proxy of every column, which cost more than the query itself on the
    eligibility path. Only where a statement holds at most one alias of that role and
    code (the EXISTS of `in_force` is a subquery of its own)."""
    return aliased(Certificate)


def in_force_join(user_id_column, code: str, day: date, cert=None):
    """An alias of Certificate (`cert`, or a new one) and the ON clause that outer-joins each
    person's certificate of `code` in force on `day` (at most one per person)."""
    cert = aliased(Certificate) if cert is None else cert
    return cert, and_(cert.user_id == user_id_column, in_force(cert, day, code))


# --- qualification ----------------------------------------------------------------

def closure(code: str, definitions: dict) -> list[str]:
    """`code` and every prerequisite it needs, directly or not."""
    found, todo = [], [code]
    while todo:
        current = todo.pop()
        if current not in found and current in definitions:
            found.append(current)
            todo.extend(definitions[current].prerequisites)
    return found


def qualifies(states: dict[str, str], code: str, definitions: dict) -> bool:
    """Qualified as `code`, given the person's state in it and in each prerequisite on one day."""
    return states.get(code, NONE) in QUALIFYING and all(
        qualifies(states, prerequisite, definitions) for prerequisite in definitions[code].prerequisites)


def bulk(people: Select | Iterable[int], code: str, day: date,
         definitions: dict) -> tuple[dict[int, dict[str, str]], set[int]]:
    """(3) For every person in `people` (ids, or a select of ids), in one query: the
    state on `day` in `code` and each of its prerequisites, and who is qualified."""
    from trainer.people.models import User
    codes = closure(code, definitions)
    query = select(User.id).where(User.id.in_(people if isinstance(people, Select) else list(people)))
    for needed in codes:
        cert, on = in_force_join(User.id, needed, day, _alias("bulk", needed))
        query = query.add_columns(state_sql(cert, day, definitions[needed].renewal_window_days)).outerjoin_from(User, cert, on)
    states: dict[int, dict[str, str]] = {}
    for user_id, *row in db.session.execute(query):
        states[user_id] = dict(zip(codes, row))
    return states, {user_id for user_id, held in states.items() if qualifies(held, code, definitions)}
