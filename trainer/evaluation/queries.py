"""The aggregate queries behind the evaluation: each returns, for everyone in the
bank, numbers per month or per quarter, grouped in the database; `Numbers` holds
one person's for one quarter, by name.

Each query labels every row with its bucket (a month or a quarter: the index
of the range it falls in) in a subquery and groups by person and bucket
outside: one CASE per row however many quarters are asked for, and no GROUP BY
on an expression with bound parameters (which PostgreSQL would not match
against the SELECT's). The number of queries never depends on the number of
people; the ledger is read through its own service, once per quarter. They
are bank-wide so that a closed quarter's numbers can be kept (cache.py): the
evaluated people and the viewer's scope are applied to them afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from trainer.people.models import Role, User, UserRole
from trainer.certification import services as certification
from trainer.certification import standing
from trainer.evaluation import scoring
from trainer.evaluation.quarters import Quarter, deadline, local_midnight_utc, month_end
from trainer.extensions import db
from trainer.inspections.overdue import owes_sql
from trainer.inspections.models import (InspectionReport, Loan, RaisedSignal, ReportKind, ReportStatus, Review,
                                        ReviewDecision)
from trainer.ledger.services import standing_by_person
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


def _loans_due(months: list[Month]) -> dict[int, list[int]]:
    """Per officer and month: active loans that started before the month began (the same
    rule as the overdue view: a loan owes its first inspection the month after it starts)."""
    # The first month each loan owes an inspection in; it owes one in every later month too.
    first_owed = case(*[(owes_sql(Loan.start_date, m.first_day), index) for index, m in enumerate(months)], else_=None)
    owing = (select(Loan.officer_id.label("person"), first_owed.label("bucket"))
             .where(Loan.active, Loan.start_date < months[-1].first_day).subquery())
    starting = _per_bucket(select(owing.c.person, owing.c.bucket, func.count())
                           .group_by(owing.c.person, owing.c.bucket), len(months))
    return {person: list(accumulate(counts)) for person, counts in starting.items()}


def _on_time(months: list[Month]) -> dict[int, list[int]]:
    """Per officer and month: loans with a regular report dated in the month, filed by the deadline."""
    report = InspectionReport
    month = case(*[(and_(report.inspection_date.between(m.first_day, m.last_day), report.submitted_at < m.on_time_before,
                         owes_sql(Loan.start_date, m.first_day)), index) for index, m in enumerate(months)], else_=None)
    done = (select(Loan.officer_id.label("person"), month.label("bucket"), Loan.id.label("loan"))
            .join_from(report, Loan, Loan.id == report.loan_id)
            .where(Loan.active, report.kind == ReportKind.REGULAR, report.status.in_(FILED),
                   report.submitted_at.is_not(None),
                   report.inspection_date.between(months[0].first_day, months[-1].last_day))
            .distinct().subquery())  # two reports on one loan in a month count once
    return _per_bucket(select(done.c.person, done.c.bucket, func.count()).where(done.c.bucket.is_not(None))
                       .group_by(done.c.person, done.c.bucket), len(months))


def _reports_authored(quarters: list[Quarter]) -> dict[int, list[int]]:
    report = InspectionReport
    written = (select(report.author_id.label("person"),
                      _bucket(report.inspection_date, _quarter_ranges(quarters)).label("bucket"))
               .where(report.inspection_date.between(quarters[0].start, quarters[-1].end)).subquery())
    return _per_bucket(select(written.c.person, written.c.bucket, func.count())
                       .group_by(written.c.person, written.c.bucket), len(quarters))


def _quality(quarters: list[Quarter]) -> dict[int, list[int]]:
    """Per author and quarter: (count, sum of scores) of reports whose latest review accepted them."""
    report, newer = InspectionReport, aliased(Review)
    latest = ~exists().where(newer.report_id == Review.report_id, or_(
        newer.created_at > Review.created_at, and_(newer.created_at == Review.created_at, newer.id > Review.id)))
    scored = (select(report.author_id.label("person"),
                     _bucket(report.inspection_date, _quarter_ranges(quarters)).label("bucket"),
                     Review.quality_score.label("score"))
              .join_from(report, Review, Review.report_id == report.id)
              .where(Review.decision == ReviewDecision.ACCEPTED, latest,
                     report.inspection_date.between(quarters[0].start, quarters[-1].end)).subquery())
    return _per_bucket(select(scored.c.person, scored.c.bucket, func.count(), func.sum(scored.c.score))
                       .group_by(scored.c.person, scored.c.bucket), len(quarters), 2)


def _signals(quarters: list[Quarter]) -> dict[int, list[int]]:
    """Per author and quarter: signals raised, judged and confirmed in reviewed reports."""
    report, signal = InspectionReport, RaisedSignal
    raised = (select(report.author_id.label("person"),
                     _bucket(report.inspection_date, _quarter_ranges(quarters)).label("bucket"),
                     signal.confirmed.label("confirmed"))
              .join_from(report, signal, signal.report_id == report.id)
              .where(report.status == ReportStatus.REVIEWED,
                     report.inspection_date.between(quarters[0].start, quarters[-1].end)).subquery())
    judged = func.sum(case((raised.c.confirmed.is_not(None), 1), else_=0))
    confirmed = func.sum(case((raised.c.confirmed.is_(True), 1), else_=0))
    return _per_bucket(select(raised.c.person, raised.c.bucket, func.count(), judged, confirmed)
                       .group_by(raised.c.person, raised.c.bucket), len(quarters), 3)


class Numbers(NamedTuple):
    """A person's numbers for one quarter (or a department's: the sum of its people's).
    Immutable, so the numbers of a closed quarter can be kept and shared (cache.py)."""

    loans: tuple[int, int, int] = (0, 0, 0)  # per month: active loans that owed its regular inspection
    on_time: tuple[int, int, int] = (0, 0, 0)  # per month: of them, inspected and filed by the deadline
    reports_scored: int = 0  # reports whose latest review accepted them
    quality_sum: int = 0  # the sum of those reviews' quality scores
    signals_raised: int = 0  # in reviewed reports
    signals_judged: int = 0
    signals_confirmed: int = 0
    ledger_points: int = 0  # net points of the quarter's entries


ZERO = Numbers()


@dataclass(frozen=True)
class QuarterNumbers:
    """The bank-wide numbers of one quarter: everyone with something to count in it,
    whatever their account or department today. Who is evaluated and who may see
    whom is applied afterwards (services.evaluate), so one computation serves
    every viewer and can be cached per closed quarter."""

    people: dict[int, Numbers]
    severe_sanctions: frozenset[int]  # a severe sanction in the quarter that was not reversed


def quarter_numbers(quarters: list[Quarter], months: list[Month]) -> list[QuarterNumbers]:
    """Per quarter (three `months` each, in order), everyone's numbers, in a fixed number of queries."""
    loans, on_time = _loans_due(months), _on_time(months)
    authored, quality, signals = _reports_authored(quarters), _quality(quarters), _signals(quarters)
    result = []
    for i, quarter in enumerate(quarters):
        fields: dict[int, dict[str, object]] = {}
        # Loans owed in the quarter's last month include every loan owed earlier in it.
        for person, counts in loans.items():
            if counts[3 * i + 2]:
                fields.setdefault(person, {})["loans"] = tuple(counts[3 * i:3 * i + 3])
        for person, counts in on_time.items():
            if any(counts[3 * i:3 * i + 3]):
                fields.setdefault(person, {})["on_time"] = tuple(counts[3 * i:3 * i + 3])
        for person, counts in authored.items():
            if counts[i]:
                fields.setdefault(person, {})  # an author is evaluated even with nothing else to count
        for person, counts in quality.items():
            if counts[2 * i]:
                fields.setdefault(person, {}).update(reports_scored=counts[2 * i], quality_sum=counts[2 * i + 1])
        for person, counts in signals.items():
            if counts[3 * i]:
                fields.setdefault(person, {}).update(signals_raised=counts[3 * i], signals_judged=counts[3 * i + 1],
                                                     signals_confirmed=counts[3 * i + 2])
        points, severe = standing_by_person(quarter.start, quarter.end)
        for person, net in points.items():
            fields.setdefault(person, {})["ledger_points"] = net
        result.append(QuarterNumbers({person: Numbers(**found) if found else ZERO for person, found in fields.items()},
                                     frozenset(severe)))
    return result


def raw_numbers(numbers: Numbers, months: list[Month], people: int = 1) -> scoring.Raw:
    """Numbers as scoring reads them; `people`: how many people's numbers they add up."""
    counts = tuple(scoring.MonthCount(m.first_day, m.deadline, m.deadline_passed, numbers.loans[k], numbers.on_time[k])
                   for k, m in enumerate(months))
    return scoring.Raw(counts, numbers.reports_scored, numbers.quality_sum, numbers.signals_raised,
                       numbers.signals_judged, numbers.signals_confirmed, numbers.ledger_points, people=people)


def qualifications(people: Select | list[int], code: str, day: date) -> tuple[dict[int, str], set[int]]:
    """Each person's state in `code` on `day` and who was qualified then, in one query:
    the bulk form of the rule in trainer/certification/standing.py."""
    states, qualified = standing.bulk(people, code, day, certification.definitions())
    return {user_id: held[code] for user_id, held in states.items()}, qualified
