"""The certification matrix: every visible person's standing in every qualification.

Filtering by state happens in SQL on each person's latest certificate per
qualification, so pagination, counts and exports stay correct and quick
however many people there are. The page shows states from
`certification.services.state_on`; filters, counts and exports use the SQL
form of the same rule (`certification.standing.state_sql`), and
tests/certification/test_standing_agreement.py checks that they agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, String, and_, func, literal, or_, select, union_all

from trainer import spreadsheets
from trainer.people.models import Department, User
from trainer.certification import services as certification
from trainer.certification import standing
from trainer.certification.definitions import Qualification
from trainer.certification.models import Certificate
from trainer.extensions import db
from trainer.pagination import Page, paginate
from trainer.security import scope_people

STATES = standing.FILTERABLE_STATES
STATE_LABELS = {state: standing.STATE_LABELS[state] for state in STATES}  # the filter offers these
MAX_WITHIN_DAYS = 365
# Characters that make spreadsheet programs read a cell as a formula.


@dataclass(frozen=True)
class MatrixFilter:
    q: str = ""
    department_id: int | None = None
    qualification: str | None = None  # the state filters apply to this one; None: to any
    state: str | None = None
    within_days: int | None = None  # holds a certificate still valid that ends within N days


@dataclass(frozen=True)
class Cell:
    qualification: Qualification
    certificate: Certificate | None
    state: str


@dataclass(frozen=True)
class MatrixRow:
    user_id: int
    employee_no: str
    full_name: str
    department_code: str
    cells: list[Cell]


@dataclass(frozen=True)
class DepartmentCounts:
    code: str
    name: str
    counts: dict[tuple[str, str], int]  # (qualification, state) -> people

    def get(self, code: str, state: str) -> int:
        return self.counts.get((code, state), 0)

    def row(self, qualifications: list[Qualification], states: tuple[str, ...]) -> list[int]:
        """The counts in the order the table shows them (one call per department, not per cell)."""
        return [self.counts.get((q.code, state), 0) for q in qualifications for state in states]


# --- SQL building blocks ------------------------------------------------------

def _latest_join(code: str, day: date):
    """An alias of Certificate and the ON clause joining each person's certificate of
    `code` in force on `day` (the rule is standing.in_force)."""
    return standing.in_force_join(User.id, code, day)


def _state_sql(cert, qualification: Qualification, day: date) -> ColumnElement[str]:
    """The state rule of standing.py as SQL, over a certificate joined by `_latest_join`."""
    return standing.state_sql(cert, day, qualification.renewal_window_days)


def _filtered(query: Select, viewer: User, matrix_filter: MatrixFilter, day: date) -> Select:
    """Restrict a query over `User` to the active people the viewer may see that match the filter.
    Each latest certificate is unique per person, so the joins added here never repeat a row."""
    query = scope_people(query.where(User.active), viewer)
    if matrix_filter.q:
        like = f"%{matrix_filter.q.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(like), func.lower(User.employee_no).like(like)))
    if matrix_filter.department_id:
        query = query.where(User.department_id == matrix_filter.department_id)
    if not (matrix_filter.state or matrix_filter.within_days):
        return query
    qualifications = certification.definitions()
    codes = [matrix_filter.qualification] if matrix_filter.qualification else list(qualifications)
    matches = []
    for code in codes:
        cert, on = _latest_join(code, day)
        query = query.outerjoin(cert, on)
        state = _state_sql(cert, qualifications[code], day)
        conditions = []
        if matrix_filter.state:
            conditions.append(state == matrix_filter.state)
        if matrix_filter.within_days:
            conditions.append(and_(state.in_([certification.ACTIVE, certification.EXPIRING]),
                                   cert.expires_on <= day + timedelta(days=matrix_filter.within_days)))
        matches.append(and_(*conditions))
    return query.where(or_(*matches))


# --- reading ------------------------------------------------------------------

def matrix_page(viewer: User, matrix_filter: MatrixFilter, page: int = 1) -> tuple[Page, list[MatrixRow]]:
    """One page of the matrix in a fixed number of queries."""
    day = certification.today()
    # Columns, not User objects: a page needs four of them, and no roles or department objects.
    people = _filtered(select(User.id, User.employee_no, User.full_name, Department.code)
                       .join(Department, Department.id == User.department_id),
                       viewer, matrix_filter, day).order_by(User.full_name, User.id)
    result = paginate(people, page, rows=True)
    latest = certification.latest_certificates([u.id for u in result.items], on=day)
    qualifications = list(certification.definitions().values())
    rows = [MatrixRow(u.id, u.employee_no, u.full_name, u.code,
                      [_cell(q, latest.get((u.id, q.code)), day) for q in qualifications])
            for u in result.items]
    return result, rows


def _cell(qualification: Qualification, cert: Certificate | None, day: date) -> Cell:
    return Cell(qualification, cert, certification.state_on(cert, day, qualification.renewal_window_days))


def department_counts(viewer: User, matrix_filter: MatrixFilter) -> list[DepartmentCounts]:
    """People per department, qualification and state for the filtered population, in one query."""
    day = certification.today()
    parts = []
    for code, qualification in certification.definitions().items():
        cert, on = _latest_join(code, day)
        # Grouped in an outer query: PostgreSQL would not match a CASE with bound
        # parameters in SELECT against the same CASE in GROUP BY. Grouping by the
        # department id, not its text, is also what keeps this fast on SQLite.
        labelled = _filtered(
            select(User.department_id, literal(code, String).label("qualification"),
                   _state_sql(cert, qualification, day).label("state")).outerjoin(cert, on),
            viewer, matrix_filter, day).subquery()
        columns = (labelled.c.department_id, labelled.c.qualification, labelled.c.state)
        parts.append(select(*columns, func.count().label("people")).group_by(*columns))
    if not parts:
        return []
    counted = union_all(*parts).subquery()
    query = (select(Department.code, Department.name, counted.c.qualification, counted.c.state, counted.c.people)
             .join_from(counted, Department, Department.id == counted.c.department_id))
    by_department: dict[str, DepartmentCounts] = {}
    for department, name, code, state, people in db.session.execute(query):
        row = by_department.setdefault(department, DepartmentCounts(department, name, {}))
        row.counts[(code, state)] = people
    return sorted(by_department.values(), key=lambda d: d.code)


def export_rows(viewer: User, matrix_filter: MatrixFilter) -> list[tuple]:
    """Every matching person (not a page) in one query, as export_header() describes.

    States come from the same SQL rule as the filters (not an object per
    certificate), which keeps 10,000 rows quick; the writer makes text formula-safe."""
    day = certification.today()
    query = (select(User.employee_no, User.full_name, Department.code)
             .join(Department, Department.id == User.department_id))
    for code, qualification in certification.definitions().items():
        cert, on = _latest_join(code, day)
        query = query.add_columns(_state_sql(cert, qualification, day), cert.valid_from, cert.expires_on).outerjoin(cert, on)
    query = _filtered(query, viewer, matrix_filter, day).order_by(User.full_name, User.id)
    return [tuple(row) for row in db.session.execute(query)]


# --- exports ------------------------------------------------------------------

def export_header() -> list[str]:
    header = ["employee_no", "full_name", "department"]
    for code in certification.definitions():
        header += [f"{code}_state", f"{code}_valid_from", f"{code}_expires_on"]
    return header


def to_csv(rows: list[tuple]) -> bytes:
    return spreadsheets.csv_bytes(export_header(), rows)


def to_xlsx(rows: list[tuple]) -> bytes:
    return spreadsheets.xlsx_bytes([("Matrix", export_header(), rows)])
