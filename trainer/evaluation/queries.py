"""The aggregate queries behind the evaluation: each returns, for every person the
viewer may see, numbers per month or per quarter, grouped in the database.

Each query labels every row with its bucket (a month or a quarter: the index
of the range it falls in) in a subquery and groups by person and bucket
outside: one CASE per row however many quarters are asked for, and no GROUP BY
on an expression with bound parameters (which PostgreSQL would not match
against the SELECT's). The number of queries never depends on the number of
people; the ledger is read through its own service, once per quarter.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from flask import current_app
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from trainer.auth.models import Role, User, UserRole
from trainer.certification import services as certification
from trainer.certification import standing
from trainer.evaluation import scoring
from trainer.evaluation.quarters import Quarter, deadline, local_midnight_utc, month_end
from trainer.extensions import db
from trainer.inspections.overdue import owes_sql
from trainer.inspections.models import (InspectionReport, Loan, RaisedSignal, ReportKind, ReportStatus, Review,
                                        ReviewDecision)
from trainer.ledger.services import points_by_person
from trainer.security import scope_people

FILED = (ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.REVIEWED)


@dataclass(frozen=True)
class Month:
    first_day: date
    last_day: date
    deadline: date
    on_time_before: datetime  # UTC: the local midnight after the deadline day
    deadline_passed: bool

    def empty(self) -> scoring.MonthCount:
        return scoring.MonthCount(self.first_day, self.deadline, self.deadline_passed)


def plan(quarters: list[Quarter], now: datetime) -> list[Month]:
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    months = []
    for quarter in quarters:
        for first in quarter.months:
            limit = local_midnight_utc(deadline(first) + timedelta(days=1), zone)
            months.append(Month(first, month_end(first), deadline(first), limit, now >= limit))
    return months


def evaluated(viewer: User, department_id: int | None) -> Select:
    """Ids of the active staff the viewer may see (optionally one department)."""
    staff = exists().where(UserRole.user_id == User.id, UserRole.role == Role.STAFF)
    query = scope_people(select(User.id).where(User.active, staff), viewer)
    return query if department_id is None else query.where(User.department_id == department_id)


def _bucket(column, ranges: list[tuple[date, date]]):
    return case(*[(column.between(low, high), index) for index, (low, high) in enumerate(ranges)], else_=None)


def _quarter_ranges(quarters: list[Quarter]) -> list[tuple[date, date]]:
    return [(q.start, q.end) for q in quarters]


def _per_bucket(query: Select, buckets: int, width: int = 1) -> dict[int, list[int]]:
    """Rows (person, bucket, *numbers) → person: the numbers of each bucket one after the other."""
    result: dict[int, list[int]] = {}
    for person, bucket, *numbers in db.session.execute(query):
        if bucket is None:
            continue
        counts = result.get(person)
        if counts is None:
            counts = result[person] = [0] * (buckets * width)
        counts[bucket * width:bucket * width + width] = numbers
    return result


def _loans_due(people: Select, months: list[Month]) -> dict[int, list[int]]:
    """Per officer and month: active loans that started before the month began (the same
    rule as the overdue view: a loan owes its first inspection the month after it starts)."""
    # The first month each loan owes an inspection in; it owes one in every later month too.
    first_owed = case(*[(owes_sql(Loan.start_date, m.first_day), index) for index, m in enumerate(months)], else_=None)
    owing = (select(Loan.officer_id.label("person"), first_owed.label("bucket"))
             .where(Loan.active, Loan.start_date < months[-1].first_day, Loan.officer_id.in_(people)).subquery())
    starting = _per_bucket(select(owing.c.person, owing.c.bucket, func.count())
                           .group_by(owing.c.person, owing.c.bucket), len(months))
    return {person: list(accumulate(counts)) for person, counts in starting.items()}


def _on_time(people: Select, months: list[Month]) -> dict[int, list[int]]:
    """Per officer and month: loans with a regular report dated in the month, filed by the deadline."""
    report = InspectionReport
    month = case(*[(and_(report.inspection_date.between(m.first_day, m.last_day), report.submitted_at < m.on_time_before,
                         owes_sql(Loan.start_date, m.first_day)), index) for index, m in enumerate(months)], else_=None)
    done = (select(Loan.officer_id.label("person"), month.label("bucket"), Loan.id.label("loan"))
            .join_from(report, Loan, Loan.id == report.loan_id)
            .where(Loan.active, report.kind == ReportKind.REGULAR, report.status.in_(FILED),
                   report.submitted_at.is_not(None),
                   report.inspection_date.between(months[0].first_day, months[-1].last_day),
                   Loan.officer_id.in_(people))
            .distinct().subquery())  # two reports on one loan in a month count once
    return _per_bucket(select(done.c.person, done.c.bucket, func.count()).where(done.c.bucket.is_not(None))
                       .group_by(done.c.person, done.c.bucket), len(months))


def _reports_authored(people: Select, quarters: list[Quarter]) -> dict[int, list[int]]:
    report = InspectionReport
    written = (select(report.author_id.label("person"),
                      _bucket(report.inspection_date, _quarter_ranges(quarters)).label("bucket"))
               .where(report.inspection_date.between(quarters[0].start, quarters[-1].end),
                      report.author_id.in_(people)).subquery())
    return _per_bucket(select(written.c.person, written.c.bucket, func.count())
                       .group_by(written.c.person, written.c.bucket), len(quarters))


def _quality(people: Select, quarters: list[Quarter]) -> dict[int, list[int]]:
    """Per author and quarter: (count, sum of scores) of reports whose latest review accepted them."""
    report, newer = InspectionReport, aliased(Review)
    latest = ~exists().where(newer.report_id == Review.report_id, or_(
        newer.created_at > Review.created_at, and_(newer.created_at == Review.created_at, newer.id > Review.id)))
    scored = (select(report.author_id.label("person"),
                     _bucket(report.inspection_date, _quarter_ranges(quarters)).label("bucket"),
                     Review.quality_score.label("score"))
              .join_from(report, Review, Review.report_id == report.id)
              .where(Review.decision == ReviewDecision.ACCEPTED, latest,
                     report.inspection_date.between(quarters[0].start, quarters[-1].end),
                     report.author_id.in_(people)).subquery())
    return _per_bucket(select(scored.c.person, scored.c.bucket, func.count(), func.sum(scored.c.score))
                       .group_by(scored.c.person, scored.c.bucket), len(quarters), 2)


def _signals(people: Select, quarters: list[Quarter]) -> dict[int, list[int]]:
    """Per author and quarter: signals raised, judged and confirmed in reviewed reports."""
    report, signal = InspectionReport, RaisedSignal
    raised = (select(report.author_id.label("person"),
                     _bucket(report.inspection_date, _quarter_ranges(quarters)).label("bucket"),
                     signal.confirmed.label("confirmed"))
              .join_from(report, signal, signal.report_id == report.id)
              .where(report.status == ReportStatus.REVIEWED,
                     report.inspection_date.between(quarters[0].start, quarters[-1].end),
                     report.author_id.in_(people)).subquery())
    judged = func.sum(case((raised.c.confirmed.is_not(None), 1), else_=0))
    confirmed = func.sum(case((raised.c.confirmed.is_(True), 1), else_=0))
    return _per_bucket(select(raised.c.person, raised.c.bucket, func.count(), judged, confirmed)
                       .group_by(raised.c.person, raised.c.bucket), len(quarters), 3)


# A person's (or department's) numbers for one quarter, as a flat vector of ints.
LOANS, ON_TIME, SCORED, QUALITY_SUM, RAISED, JUDGED, CONFIRMED, POINTS, SIZE = 0, 3, 6, 7, 8, 9, 10, 11, 12


def vectors(people: Select, visible: set[int], quarters: list[Quarter],
            months: list[Month]) -> list[dict[int, list[int]]]:
    """Per quarter, the people evaluated in it (among `visible`, the ids `people` selects) and their numbers."""
    loans, on_time = _loans_due(people, months), _on_time(people, months)
    authored, quality, signals = _reports_authored(people, quarters), _quality(people, quarters), _signals(people, quarters)
    ledgers = [points_by_person(q.start, q.end) for q in quarters]
    result = []
    for i in range(len(quarters)):
        found: defaultdict[int, list[int]] = defaultdict(_zeros)
        # Loans owed in the quarter's last month include every loan owed earlier in it.
        for person, counts in loans.items():
            if counts[3 * i + 2]:
                found[person][LOANS:LOANS + 3] = counts[3 * i:3 * i + 3]
        for person, counts in on_time.items():
            if any(counts[3 * i:3 * i + 3]):
                found[person][ON_TIME:ON_TIME + 3] = counts[3 * i:3 * i + 3]
        for person, counts in authored.items():
            if counts[i]:
                found[person]  # touched: an author is evaluated even with nothing else to count
        for person, counts in quality.items():
            if counts[2 * i]:
                found[person][SCORED:SCORED + 2] = counts[2 * i:2 * i + 2]
        for person, counts in signals.items():
            if counts[3 * i]:
                found[person][RAISED:RAISED + 3] = counts[3 * i:3 * i + 3]
        for person, points in ledgers[i].items():
            if person in visible:
                found[person][POINTS] = points
        result.append(dict(found))
    return result


def _zeros() -> list[int]:
    return [0] * SIZE


def raw_numbers(vector: list[int], months: list[Month], people: int = 1) -> scoring.Raw:
    """A vector as scoring reads it; `people`: how many people's numbers it adds up."""
    counts = tuple(scoring.MonthCount(m.first_day, m.deadline, m.deadline_passed, vector[LOANS + k], vector[ON_TIME + k])
                   for k, m in enumerate(months))
    return scoring.Raw(counts, *vector[SCORED:POINTS + 1], people=people)


def qualifications(people: Select | list[int], code: str, day: date) -> tuple[dict[int, str], set[int]]:
    """Each person's state in `code` on `day` and who was qualified then, in one query:
    the bulk form of the rule in trainer/certification/standing.py."""
    states, qualified = standing.bulk(people, code, day, certification.definitions())
    return {user_id: held[code] for user_id, held in states.items()}, qualified
