"""Which loans miss their monthly (regular) inspection.

The rule: an active loan is due a regular inspection for every month that
starts after the loan did. The inspection for month M is on time when a
regular report dated in M has been submitted by the 5th day of month M+1
(a report returned for correction still counts: it was filed). So:

- for the last complete month, a loan is *overdue* once the 5th has passed
  with no such report (before that, it is listed as still due by the 5th);
- for the current month, a loan is listed while no regular report dated in
  it has been submitted yet.

Both lists come from two queries, whatever the number of loans.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from flask import current_app
from sqlalchemy import false, select

from trainer.people.models import Department, User
from trainer.certification.services import today as bank_today
from trainer.extensions import db
from trainer.inspections.loans import visible_loans
from trainer.inspections.models import InspectionReport, Loan, ReportKind
from trainer.timeutil import add_months

DEADLINE_DAY = 5  # of the following month


def first_owed_month() -> date | None:
    """The first month that owes inspections at all: the first that starts on or
    after the configured go-live date (TRAINER_GO_LIVE_DATE). Months before the
    bank used trainer owe nothing, whatever the loans' own start dates."""
    go_live = current_app.config.get("GO_LIVE_DATE")
    if go_live is None:
        return None
    return go_live if go_live.day == 1 else add_months(go_live.replace(day=1), 1)


def owes(loan_start: date, month_first: date) -> bool:
    """THE RULE: a loan owes a regular inspection for a month that starts after the
    loan did, from the first owed month on. The evaluation uses `owes_sql`, its SQL form."""
    first = first_owed_month()
    return loan_start < month_first and (first is None or month_first >= first)


def owes_sql(loan_start_column, month_first: date):
    first = first_owed_month()
    if first is not None and month_first < first:
        return false()
    return loan_start_column < month_first


@dataclass(frozen=True)
class Month:
    first: date

    @property
    def last(self) -> date:
        return add_months(self.first, 1) - timedelta(days=1)

    @property
    def deadline(self) -> date:
        return add_months(self.first, 1).replace(day=DEADLINE_DAY)

    def previous(self) -> Month:
        return Month(add_months(self.first, -1))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.replace(day=1))


@dataclass(frozen=True)
class MissingLoan:
    loan: Loan
    officer: str
    department: str


@dataclass(frozen=True)
class OfficerGroup:
    department: str
    officer: str
    loans: list[MissingLoan]


@dataclass(frozen=True)
class OverdueView:
    today: date
    last_month: Month
    this_month: Month
    last_month_late: bool  # False until the deadline for the last month has passed
    last_month_missing: list[OfficerGroup]
    this_month_missing: list[OfficerGroup]


def overdue(viewer: User, today: date | None = None) -> OverdueView:
    today = today or bank_today()
    this_month = Month.of(today)
    last_month = this_month.previous()
    scope = visible_loans(viewer).where(Loan.active, Loan.start_date < this_month.first)
    loans = db.session.execute(
        select(Loan, User.full_name, Department.code)
        .join(User, User.id == Loan.officer_id).join(Department, Department.id == Loan.department_id)
        .where(Loan.id.in_(scope.with_only_columns(Loan.id)))
        .order_by(Department.code, User.full_name, Loan.officer_id, Loan.loan_no)).all()
    filed = db.session.execute(
        select(InspectionReport.loan_id, InspectionReport.inspection_date, InspectionReport.submitted_at)
        .where(InspectionReport.kind == ReportKind.REGULAR, InspectionReport.submitted_at.is_not(None),
               InspectionReport.inspection_date.between(last_month.first, this_month.last),
               InspectionReport.loan_id.in_(scope.with_only_columns(Loan.id)))).all()
    done_last, done_this = set(), set()
    for loan_id, inspected, submitted_at in filed:
        if inspected >= this_month.first:
            done_this.add(loan_id)
        elif bank_today(submitted_at) <= last_month.deadline:
            done_last.add(loan_id)
    last_missing = [MissingLoan(loan, officer, dept) for loan, officer, dept in loans
                    if owes(loan.start_date, last_month.first) and loan.id not in done_last]
    this_missing = [MissingLoan(loan, officer, dept) for loan, officer, dept in loans
                    if owes(loan.start_date, this_month.first) and loan.id not in done_this]
    return OverdueView(today, last_month, this_month, today > last_month.deadline,
                       _grouped(last_missing), _grouped(this_missing))


def _grouped(missing: list[MissingLoan]) -> list[OfficerGroup]:
    key = lambda m: (m.department, m.officer, m.loan.officer_id)  # noqa: E731 - rows come sorted by it
    return [OfficerGroup(dept, officer, list(rows)) for (dept, officer, _id), rows in groupby(missing, key)]
