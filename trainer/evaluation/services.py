"""Quarterly comprehensive evaluation of staff and departments.

The rules (the evaluation page explains them to its readers too):

- A quarter is a calendar quarter (Q1 = January to March) of the bank's local
  calendar (`certification.services.today()`).
- Who is evaluated: active people holding the staff role who, in the quarter,
  were officer in charge of at least one active loan started by its end, or
  authored an inspection report dated in it, or have ledger entries logged in
  it. People count in their current department.
- Inspections on time: every active loan owes its officer one regular
  inspection for each month of the quarter that ends on or after the loan's
  start date. It is done on time when a regular report on the loan, dated in
  that month and filed (submitted, returned or reviewed), was submitted by the
  5th day of the next month, local time. A month whose deadline has not passed
  yet counts only the inspections already done on time. Score = 100 × on time
  / due; not applicable when nothing was due.
- Quality: the mean quality score of the person's reports dated in the quarter
  whose latest review accepted them; not applicable without one.
- Warning signals: of the signals raised in the person's reviewed reports dated
  in the quarter that the supervisor judged, the share confirmed
  (100 × confirmed / judged); not applicable when none was judged.
- Ledger: net points of the entries logged in the quarter (an entry that was
  reversed counts with its reversal, i.e. not at all), clamped to the policy's
  `ledger_points_range` and mapped linearly onto 0–100. Always applicable.
- Total: the weighted mean of the applicable components with the policy's
  weights (the weights of components that do not apply are left out and the
  others renormalised), rounded half up to one decimal. Band: the first band,
  from the top, whose minimum the total reaches.
- Qualification: the state of the required qualification (inspector) at the
  quarter's end, or today for the quarter under way.
- Promotion indication: total at least `promotion.min_score`, the required
  qualification valid at the quarter's end, and no severe sanction in the
  quarter that was not reversed.
- Departments: the same components over their evaluated people: sums of
  inspections due and on time, the mean quality over all their accepted
  reports, signals confirmed over judged, and mean ledger points per person.

Everything comes from a fixed number of aggregate queries grouped by person
(queries.py: one set per call, however many people and quarters are asked
for), bank-wide, and kept for closed quarters while their inputs do not change
(cache.py); who is evaluated and the viewer's scope are applied to them here,
live. The arithmetic lives in scoring.py. Scores, the qualification and the
promotion indication are worked out only for the people shown or exported.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import Select, select

from trainer.people.models import Department, User
from trainer.certification import services as certification
from trainer.certification.definitions import Qualification
from trainer.evaluation import cache, queries, scoring
from trainer.evaluation.policy import EvaluationPolicy, evaluation_policy
from trainer.evaluation.quarters import Quarter
from trainer.extensions import db
from trainer.timeutil import utcnow

HISTORY_QUARTERS = 6


@dataclass(eq=False)
class PersonRow:
    user_id: int
    employee_no: str
    full_name: str
    department_id: int
    department_code: str
    department_name: str
    numbers: queries.Numbers = field(repr=False)
    plan: list[queries.Month] = field(repr=False)
    policy: EvaluationPolicy = field(repr=False)
    severe_sanction: bool = False  # not reversed, in the quarter
    # Read by `with_standing`, for the rows shown or exported only.
    standing_read: bool = False
    qualification_state: str | None = None  # certification state name; None when no qualification is shown
    qualified: bool = False

    # Built when read: a page shows 50 people of thousands.
    @cached_property
    def raw(self) -> scoring.Raw:
        return queries.raw_numbers(self.numbers, self.plan)

    @cached_property
    def result(self) -> scoring.Result:
        return scoring.score(self.raw, self.policy)

    @cached_property
    def promotion(self) -> scoring.PromotionIndication:
        if not self.standing_read:
            raise RuntimeError("read the qualification first (services.with_standing)")
        return scoring.promotion(self.result, self.policy, self.qualified, self.severe_sanction)


@dataclass(frozen=True)
class DepartmentRow:
    department_id: int | None  # None: everyone shown
    code: str
    name: str
    raw: scoring.Raw  # raw.people: how many were evaluated
    result: scoring.Result


@dataclass(frozen=True)
class History:
    """Department totals for consecutive quarters, oldest first."""

    quarters: list[Quarter]
    departments: list[tuple[DepartmentRow, list[DepartmentRow | None]]]  # latest row, then one per quarter
    overall: list[DepartmentRow | None]


@dataclass(frozen=True)
class Evaluation:
    quarter: Quarter
    today: date
    qualification_day: date  # the quarter's end, or today while it runs
    policy: EvaluationPolicy
    qualification: Qualification | None  # the one shown and required
    people: list[PersonRow]
    departments: list[DepartmentRow]
    overall: DepartmentRow | None
    history: History | None = None
    months: list[scoring.MonthCount] = field(default_factory=list)  # the quarter's schedule (zero counts)
    scope: Select | None = field(default=None, repr=False)  # ids of the people the viewer may see
    # Reported, not scored: hours from escalation to acknowledgement (trainer/escalations), None for staff.
    response_times: object | None = None

    @property
    def complete(self) -> bool:
        return self.quarter.end < self.today


# --- quarters ---------------------------------------------------------------------

def default_quarter(now: datetime | None = None) -> Quarter:
    """The last complete quarter."""
    return Quarter.containing(certification.today(now)).shift(-1)


def selectable_quarters(now: datetime | None = None, count: int = 9) -> list[Quarter]:
    """The quarter under way and the ones before it, newest first."""
    current = Quarter.containing(certification.today(now))
    return [current.shift(-i) for i in range(count)]


def is_started(quarter: Quarter, now: datetime | None = None) -> bool:
    return quarter.start <= certification.today(now)


def shown_qualification(policy: EvaluationPolicy) -> Qualification | None:
    code = policy.promotion.requires_valid_qualification or "inspector"
    return certification.definitions().get(code)


# --- the evaluation ---------------------------------------------------------------------

def _departments(numbers: dict[int, queries.Numbers], department_of: dict[int, int],
                 names: dict[int, tuple[str, str]], plan: list[queries.Month], policy: EvaluationPolicy) -> list[DepartmentRow]:
    members: dict[int, list[queries.Numbers]] = {}
    for person, found in numbers.items():
        members.setdefault(department_of[person], []).append(found)
    rows = []
    for department, found in members.items():
        # Field by field over the department's people (zip(*...) transposes): one pass, no intermediate sums.
        loans, on_time, *rest = zip(*found)
        total = queries.Numbers(tuple(map(sum, zip(*loans))), tuple(map(sum, zip(*on_time))), *map(sum, rest))
        raw = queries.raw_numbers(total, plan, len(found))
        rows.append(DepartmentRow(department, *names[department], raw, scoring.score(raw, policy)))
    return sorted(rows, key=lambda d: (d.code, d.department_id))


def _overall(rows: list[DepartmentRow], plan: list[queries.Month], policy: EvaluationPolicy) -> DepartmentRow | None:
    if not rows:
        return None
    raw = scoring.total_of([d.raw for d in rows], tuple(m.empty() for m in plan))
    return DepartmentRow(None, "", "", raw, scoring.score(raw, policy))


def evaluate(viewer: User, quarter: Quarter, department_id: int | None = None, history: int = 1,
             standing: bool = False, now: datetime | None = None) -> Evaluation:
    """The quarter's evaluation of everyone the viewer may see, with their departments;
    with `history` > 1, department totals for that many quarters ending with this one;
    with `standing`, everyone's qualification and promotion indication (else see
    `with_standing`). A fixed number of queries whatever the number of people and quarters."""
    now = now or utcnow()
    policy = evaluation_policy()
    today = certification.today(now)
    quarters = quarter.last(max(1, history))
    people = queries.evaluated(viewer, department_id)
    directory = {row.id: row for row in db.session.execute(
        select(User.id, User.employee_no, User.full_name, User.department_id, Department.code, Department.name)
        .join(Department, Department.id == User.department_id).where(User.id.in_(people)))}
    department_of = {person: row.department_id for person, row in directory.items()}
    names = {row.department_id: (row.code, row.name) for row in directory.values()}
    months = queries.plan(quarters, now)
    plans = [months[3 * i:3 * i + 3] for i in range(len(quarters))]
    bank_wide = cache.numbers(quarters, months, today)  # everyone's; closed quarters kept while unchanged
    by_quarter = [{person: found for person, found in numbers.people.items() if person in directory}
                  for numbers in bank_wide]

    severe = bank_wide[-1].severe_sanctions
    rows = []
    for person, found in by_quarter[-1].items():
        who = directory[person]
        rows.append(PersonRow(person, who.employee_no, who.full_name, who.department_id, who.code, who.name,
                              found, plans[-1], policy, person in severe))
    rows.sort(key=lambda r: (r.full_name.casefold(), r.user_id))

    departments = _departments(by_quarter[-1], department_of, names, plans[-1], policy)
    evaluation = Evaluation(quarter, today, min(quarter.end, today), policy, shown_qualification(policy), rows,
                            departments, _overall(departments, plans[-1], policy),
                            months=[m.empty() for m in plans[-1]], scope=people,
                            response_times=_response_times(viewer, quarter, department_id))
    if history > 1:
        per_quarter = [_departments(numbers, department_of, names, plan, policy)
                       for numbers, plan in zip(by_quarter[:-1], plans[:-1])] + [departments]
        evaluation = replace(evaluation, history=_history(quarters, per_quarter, plans, policy))
    if standing:
        with_standing(evaluation)
    return evaluation


def _response_times(viewer: User, quarter: Quarter, department_id: int | None):
    from trainer.escalations.services import response_times_in

    return response_times_in(viewer, quarter.start, quarter.end, department_id)


def with_standing(evaluation: Evaluation, rows: list[PersonRow] | None = None) -> list[PersonRow]:
    """Read the qualification at the quarter's end for `rows` (a page of them) or for
    everyone evaluated, in one query; then their promotion indication can be read."""
    everyone = rows is None
    rows = evaluation.people if everyone else rows
    states, qualified = {}, set()
    if evaluation.qualification is not None and rows:
        who = evaluation.scope if everyone else [row.user_id for row in rows]
        states, qualified = queries.qualifications(who, evaluation.qualification.code, evaluation.qualification_day)
    for row in rows:
        row.qualification_state = states.get(row.user_id, certification.NONE) if evaluation.qualification else None
        row.qualified = row.user_id in qualified
        row.standing_read = True
    return rows


def _history(quarters: list[Quarter], per_quarter: list[list[DepartmentRow]], plans: list[list[queries.Month]],
             policy: EvaluationPolicy) -> History:
    latest: dict[int, DepartmentRow] = {}
    for rows in per_quarter:
        latest.update((d.department_id, d) for d in rows)
    by_id = [{d.department_id: d for d in rows} for rows in per_quarter]
    departments = [(row, [rows.get(department) for rows in by_id])
                   for department, row in sorted(latest.items(), key=lambda item: (item[1].code, item[0]))]
    return History(quarters, departments, [_overall(rows, plan, policy) for rows, plan in zip(per_quarter, plans)])
