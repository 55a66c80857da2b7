"""The bank-wide numbers of closed quarters, computed once per version of their inputs.

A quarter that has ended can still change: a late report for its last month, a
review of one of its reports, a judgement of a signal, a ledger entry dated in
it or a reversal of one, a loan import that reassigns or closes loans. So a
closed quarter's `queries.QuarterNumbers` are kept (per app, i.e. per worker
process) together with a **fingerprint** of exactly the rows they were computed
from, and are used again only while a new fingerprint, read first on every
call (one query for all the quarters asked), is equal:

- loans that owe inspections in the quarter: how many, and a checksum of
  (id, officer, the first month of the quarter they owe) — the loan import
  updates loans in place, and a loan has no time of change;
- reports dated in the quarter: how many, the sum of their ids and of their
  revisions, and the latest `updated_at`. Every write to a report, to its
  review or to its raised signals goes through the inspection services,
  which bump the report's `revision` and `updated_at` in the same
  transaction (filing, editing, reviewing and the supervisor's judgement of
  the signals): a write that bypassed them would have to do the same;
- the ledger entries that count in the quarter (logged in it and not
  reversed since; entries are never edited): how many, and a checksum of
  (id, person, points).

A checksum is a sum over rows of a hash of those integers (modular arithmetic
in SQL, the same on both databases), so any added, removed or edited row
changes it except by a coincidence of the order of one in 2**31. Reading the
fingerprint scans those rows once, with no join per person, no grouping and
nothing built in Python: a small part of computing the numbers (see
bench/README.md for the figures). The quarter under way
is never kept: it is computed on every call. The fingerprint is read before
the numbers, so a change that lands in between can only cause one more
computation, never a stale result.

What the cache holds does not depend on the viewer, the policy or the day:
people's accounts, departments and roles, the viewer's scope, scoring and the
qualification are all read or applied live, after it (services.evaluate).
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import date
from threading import Lock

from flask import current_app
from sqlalchemy import BigInteger, case, cast, func, literal, select, true

from trainer.evaluation.queries import Month, QuarterNumbers, quarter_numbers
from trainer.evaluation.quarters import Quarter
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan
from trainer.inspections.overdue import first_owed_month, owes_sql
from trainer.ledger.models import LedgerEntry
from trainer.ledger.services import counted_entries

_APP_KEY = "trainer.evaluation.cache"
MAX_QUARTERS = 12  # kept per process: the 9 quarters the page offers and a few more
_MODULUS = 2147483647  # 2**31 - 1: a product with _MULTIPLIER stays within 64-bit integers
_MULTIPLIER = 1000003


class _Store:
    def __init__(self):
        self.lock = Lock()
        self.entries: OrderedDict[Quarter, tuple[tuple, QuarterNumbers]] = OrderedDict()
        self.computed = 0  # quarters computed, for tests and benches

    def get(self, quarter: Quarter, fingerprint: tuple) -> QuarterNumbers | None:
        with self.lock:
            found = self.entries.get(quarter)
            if found is None or found[0] != fingerprint:
                return None
            self.entries.move_to_end(quarter)
            return found[1]

    def put(self, quarter: Quarter, fingerprint: tuple, numbers: QuarterNumbers) -> None:
        with self.lock:
            self.entries[quarter] = (fingerprint, numbers)
            self.entries.move_to_end(quarter)
            while len(self.entries) > MAX_QUARTERS:
                self.entries.popitem(last=False)


def _store() -> _Store:
    store = current_app.extensions.get(_APP_KEY)
    if store is None:
        store = current_app.extensions.setdefault(_APP_KEY, _Store())
    return store


def clear() -> None:
    """Forget every kept quarter of this app."""
    current_app.extensions.pop(_APP_KEY, None)


def computed_quarters() -> int:
    """How many quarters this app has computed (not taken from the cache)."""
    return _store().computed


def numbers(quarters: list[Quarter], months: list[Month], today: date) -> list[QuarterNumbers]:
    """`queries.quarter_numbers(quarters, months)`, taking closed quarters from the cache
    when their inputs have not changed since they were computed."""
    store = _store()
    closed = [i for i, quarter in enumerate(quarters) if quarter.end < today]
    fingerprints = dict(zip(closed, fingerprint([quarters[i] for i in closed],
                                                [months[3 * i:3 * i + 3] for i in closed]))) if closed else {}
    result: list[QuarterNumbers | None] = [
        store.get(quarters[i], fingerprints[i]) if i in fingerprints else None for i in range(len(quarters))]
    missing = [i for i, found in enumerate(result) if found is None]
    if missing:
        computed = quarter_numbers([quarters[i] for i in missing],
                                   [month for i in missing for month in months[3 * i:3 * i + 3]])
        store.computed += len(missing)
        for i, found in zip(missing, computed):
            result[i] = found
            if i in fingerprints:
                store.put(quarters[i], fingerprints[i], found)
    return result


# --- the fingerprint ------------------------------------------------------------------

def _hash(*values):
    """An SQL hash of integer expressions, the same on SQLite and PostgreSQL (64-bit arithmetic)."""
    result = cast(literal(0), BigInteger)
    for value in values:
        result = (result * _MULTIPLIER + value) % _MODULUS
    return result


def _parts(quarter: Quarter, months: list[Month]) -> list:
    """One-row subqueries of what the quarter's numbers are computed from."""
    report = InspectionReport
    first_owed = case(*[(owes_sql(Loan.start_date, m.first_day), n) for n, m in enumerate(months, 1)], else_=0)
    loans = select(func.count().label("n"), func.coalesce(func.sum(_hash(Loan.id, Loan.officer_id, first_owed)), 0)
                   .label("h")).where(Loan.active, Loan.start_date < months[-1].first_day)
    reports = select(func.count().label("n"), func.coalesce(func.sum(report.id), 0).label("ids"),
                     func.coalesce(func.sum(report.revision), 0).label("revisions"),
                     func.max(report.updated_at).label("latest")
                     ).where(report.inspection_date.between(quarter.start, quarter.end))
    entries = select(func.count().label("n"), func.coalesce(func.sum(_hash(LedgerEntry.id, LedgerEntry.person_id,
                                                                         LedgerEntry.points)), 0).label("h")
                     ).where(*counted_entries(quarter.start, quarter.end))
    return [loans.subquery(), reports.subquery(), entries.subquery()]


def fingerprint(quarters: list[Quarter], months: list[list[Month]]) -> list[tuple]:
    """For each quarter (with its three months), what its numbers are computed from, in one query."""
    parts = [part for quarter, quarter_months in zip(quarters, months) for part in _parts(quarter, quarter_months)]
    query = select(*[column for part in parts for column in part.c]).select_from(parts[0])
    for part in parts[1:]:
        query = query.join(part, true())  # one row each
    row = db.session.execute(query).one()
    width = len(row) // len(quarters)
    first_owed = first_owed_month()
    return [(first_owed, *(_normalised(value) for value in row[n * width:(n + 1) * width])) for n in range(len(quarters))]


def _normalised(value):
    """The same value read from either database (a sum may come back as Decimal, a time with or without zone)."""
    if value is None or isinstance(value, int):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return int(value)
