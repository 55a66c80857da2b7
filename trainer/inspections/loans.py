"""The loan register: who sees which loans, and the all-or-nothing CSV import.

Everyone sees the loans of their own department (an officer works on the
department's book, not only on their own loans); HR and admin see the whole
bank. The import matches loans by loan number, so importing the same file
twice changes nothing the second time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from trainer.audit_log import services as audit_trail
from trainer.people.models import Department, User
from trainer.csv_import import EXTRA, RowError, accepted, check_rows, csv_rows, yes_or_no
from trainer.extensions import db
from trainer.inspections.models import Loan
from trainer.pagination import Page, paginate
from trainer.security import in_scope, scoped

REQUIRED_COLUMNS = ("loan_no", "borrower", "department_code", "officer_employee_no", "amount", "loan_type",
                    "guarantor", "collateral", "start_date")
OPTIONAL_COLUMNS = ("active",)
LOAN_NO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")
AMOUNT_RE = re.compile(r"^\d{1,14}([.,]\d{1,2})?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The loan types the bank books; another type is shown as written in the register.
LOAN_TYPE_LABELS = {
    "working_capital": _l("Working capital"),
    "fixed_asset": _l("Fixed assets"),
    "project": _l("Project finance"),
    "trade_finance": _l("Trade finance"),
    "mortgage": _l("Mortgage loan"),
    "consumer": _l("Consumer loan"),
}


def loan_type_label(code: str | None) -> str:
    if not code:
        return "—"
    label = LOAN_TYPE_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


__all__ = ["import_loans", "loans_page", "visible_loans", "can_view_loan"]


# --- who sees what ---------------------------------------------------------------

def visible_loans(viewer: User) -> Select:
    """A query over Loan restricted to what `viewer` may see."""
    return scoped(select(Loan), viewer, Loan.department_id, whole_department=True)


def can_view_loan(viewer: User, loan: Loan) -> bool:
    return in_scope(viewer, loan.department_id, whole_department=True)


@dataclass(frozen=True)
class LoanRow:
    loan: Loan
    officer: str
    department: str


def loans_page(viewer: User, q: str = "", page: int = 1) -> tuple[Page, list[LoanRow]]:
    """One page of visible loans, with officer and department names (a fixed number of queries)."""
    query = visible_loans(viewer).order_by(Loan.loan_no)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Loan.loan_no).like(like), func.lower(Loan.borrower).like(like)))
    result = paginate(query, page)
    return result, rows_for(result.items)


def rows_for(loans: list[Loan]) -> list[LoanRow]:
    officers = _names(User, User.full_name, {loan.officer_id for loan in loans})
    departments = _names(Department, Department.code, {loan.department_id for loan in loans})
    return [LoanRow(loan, officers.get(loan.officer_id, ""), departments.get(loan.department_id, "")) for loan in loans]


def _names(model, column, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())


# --- CSV import ------------------------------------------------------------------

@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    values: dict


def import_loans(data: bytes, actor: User | None = None) -> ImportResult:
    """Import or update loans; one bad row rejects the whole file (ImportRejected lists every bad row)."""
    return _apply(_parse(data), actor)


def _parse(data: bytes) -> list[_Row]:
    reader = csv_rows(data, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    departments = {d.code.lower(): d for d in db.session.scalars(select(Department))}
    officers = {u.employee_no.lower(): u for u in db.session.scalars(select(User))}
    seen: dict[str, int] = {}
    rows, errors = check_rows(reader, lambda record, line, errors: _check_row(
        record, line, departments, officers, seen, errors))
    return accepted(rows, errors, _l("the file has a header but no loans"))


def _check_row(record, line, departments, officers, seen, errors) -> _Row | None:
    if EXTRA in record:  # the values have shifted: checking them one by one would only mislead
        errors.append(RowError(line, _l("more values than columns (write amounts like 1234.56, or use ';' between columns)")))
        return None
    problems: list = []
    value = {k: (record.get(k) or "").strip() for k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    number = value["loan_no"]
    if not number:
        problems.append(_l("loan_no is empty"))
    elif not LOAN_NO_RE.match(number):
        problems.append(_l("loan_no '%(number)s' may hold only letters, digits, '.', '/', '_' and '-' (40 at most)",
                           number=number))
    elif number.lower() in seen:
        problems.append(_l("loan_no '%(number)s' already appears on line %(first)s", number=number, first=seen[number.lower()]))
    for column, limit in (("borrower", 200), ("loan_type", 40)):
        if not value[column]:
            problems.append(_l("%(column)s is empty", column=column))
        elif len(value[column]) > limit:
            problems.append(_l("%(column)s is longer than %(limit)s characters", column=column, limit=limit))
    for column, limit in (("guarantor", 200), ("collateral", 300)):
        if len(value[column]) > limit:
            problems.append(_l("%(column)s is longer than %(limit)s characters", column=column, limit=limit))
    department = _department(value["department_code"], departments, problems)
    officer = _officer(value["officer_employee_no"], department, officers, problems)
    amount = _amount(value["amount"], problems)
    start = _start_date(value["start_date"], problems)
    active = yes_or_no(value["active"], problems)
    if problems:
        errors.append(RowError(line, "; ".join(str(p) for p in problems)))
        return None
    seen[number.lower()] = line
    return _Row(line, {
        "loan_no": number, "borrower": value["borrower"], "department_id": department.id, "officer_id": officer.id,
        "amount": amount, "loan_type": value["loan_type"], "guarantor": value["guarantor"],
        "collateral": value["collateral"], "start_date": start, "active": active,
    })


def _department(code: str, departments: dict, problems: list) -> Department | None:
    department = departments.get(code.lower())
    if not code:
        problems.append(_l("department_code is empty"))
    elif department is None:
        problems.append(_l("unknown department_code '%(department_code)s'", department_code=code))
    elif not department.active:
        problems.append(_l("department '%(code)s' is deactivated", code=department.code))
    else:
        return department
    return None


def _officer(number: str, department: Department | None, officers: dict, problems: list) -> User | None:
    officer = officers.get(number.lower())
    if not number:
        problems.append(_l("officer_employee_no is empty"))
    elif officer is None:
        problems.append(_l("no person has employee number '%(number)s'", number=number))
    elif not officer.active:
        problems.append(_l("officer %(number)s is deactivated", number=number))
    elif department is not None and officer.department_id != department.id:
        problems.append(_l("officer %(number)s does not belong to department %(code)s", number=number, code=department.code))
    else:
        return officer
    return None


def _amount(raw: str, problems: list) -> Decimal | None:
    if not raw:
        problems.append(_l("amount is empty"))
        return None
    if not AMOUNT_RE.match(raw):
        problems.append(_l("amount '%(raw)s' must be a number like 1234.56 or 1234,56 (no thousands separators, "
                           "at most 2 decimals)", raw=raw))
        return None
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        amount = Decimal(0)
    if amount <= 0:
        problems.append(_l("amount must be greater than zero"))
        return None
    return amount


def _start_date(raw: str, problems: list) -> date | None:
    if not raw:
        problems.append(_l("start_date is empty"))
        return None
    try:
        if not DATE_RE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(_l("start_date '%(raw)s' must be a date written YYYY-MM-DD", raw=raw))
        return None


def _apply(rows: list[_Row], actor: User | None) -> ImportResult:
    result = ImportResult()
    existing = {loan.loan_no.lower(): loan for loan in db.session.scalars(select(Loan))}
    for row in rows:
        fields = dict(row.values)
        active = fields.pop("active")
        loan = existing.get(fields["loan_no"].lower())
        if loan is None:
            db.session.add(Loan(**fields, active=True if active is None else active))
            result.created.append(fields["loan_no"])
            continue
        fields["loan_no"] = loan.loan_no  # the register keeps its own spelling
        if active is not None:
            fields["active"] = active
        if _update(loan, fields):
            result.updated.append(loan.loan_no)
        else:
            result.unchanged += 1
    audit_trail.record("import.loans", "loans", actor=actor,
                       after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    db.session.flush()  # a row the database refuses fails the import here; the caller's rollback keeps none of it
    return result


def _update(loan: Loan, fields: dict) -> bool:
    changed = {name: new for name, new in fields.items() if getattr(loan, name) != new}
    for name, new in changed.items():
        setattr(loan, name, new)
    return bool(changed)
