"""All-or-nothing staff import from CSV, matched by employee number.

Every row is checked before anything is written; one bad row rejects the
whole file and every bad row is reported with its line number. Importing
the same file twice changes nothing the second time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from trainer.audit_log import services as audit_trail
from trainer.admin.services import LastAdminError, ensure_an_active_admin_remains
from trainer.people.models import Department, Role, User, UserRole
from trainer.csv_import import EXTRA, ImportRejected, RowError, accepted, check_rows, csv_rows, yes_or_no
from trainer.extensions import db

REQUIRED_COLUMNS = ("employee_no", "full_name", "email", "department_code")
OPTIONAL_COLUMNS = ("roles", "active", "language")
# HR and admin roles are granted on the admin pages, never through a file.
IMPORTABLE_ROLES = {Role.STAFF, Role.SUPERVISOR}
EMPLOYEE_NO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    employee_no: str
    full_name: str
    email: str
    department: Department
    roles: set[Role] | None  # None: leave an existing person's roles as they are
    active: bool | None
    language: str | None = None  # None: leave it as it is (e.g. the one the person chose)


def import_staff(data: bytes, actor: User | None = None) -> ImportResult:
    rows = _parse(data)
    return _apply(rows, actor)


def _parse(data: bytes) -> list[_Row]:
    reader = csv_rows(data, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    departments = {d.code.lower(): d for d in db.session.scalars(select(Department))}
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    rows, errors = check_rows(reader, lambda record, line, errors: _check_row(
        record, line, departments, seen_numbers, seen_emails, errors))
    _check_emails_against_database(rows, errors)
    return accepted(rows, errors, _l("the file has a header but no people"))


def _check_row(record, line, departments, seen_numbers, seen_emails, errors) -> _Row | None:
    problems: list[str] = []
    if EXTRA in record:
        problems.append(_l("more values than columns"))
    value = {k: (record.get(k) or "").strip() for k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    number, email = value["employee_no"], value["email"].lower()
    if not number:
        problems.append(_l("employee_no is empty"))
    elif not EMPLOYEE_NO_RE.match(number):
        problems.append(_l("employee_no '%(number)s' may hold only letters, digits, '.', '_' and '-' (32 at most)", number=number))
    elif number.lower() in seen_numbers:
        problems.append(_l("employee_no '%(number)s' already appears on line %(first)s", number=number, first=seen_numbers[number.lower()]))
    if not value["full_name"]:
        problems.append(_l("full_name is empty"))
    elif len(value["full_name"]) > 200:
        problems.append(_l("full_name is longer than 200 characters"))
    if not email:
        problems.append(_l("email is empty"))
    elif not EMAIL_RE.match(email) or len(email) > 254:
        problems.append(_l("email '%(email)s' is not a valid address", email=value['email']))
    elif email in seen_emails:
        problems.append(_l("email '%(email)s' already appears on line %(first)s", email=email, first=seen_emails[email]))
    department = departments.get(value["department_code"].lower())
    if not value["department_code"]:
        problems.append(_l("department_code is empty"))
    elif department is None:
        problems.append(_l("unknown department_code '%(department_code)s'", department_code=value['department_code']))
    elif not department.active:
        problems.append(_l("department '%(code)s' is deactivated", code=department.code))
    roles = _parse_roles(value["roles"], problems) if value["roles"] else None
    active = yes_or_no(value["active"], problems)
    language = _parse_language(value["language"], problems)
    if problems:
        errors.append(RowError(line, "; ".join(str(p) for p in problems)))
        return None
    seen_numbers[number.lower()] = line
    seen_emails[email] = line
    return _Row(line, number, value["full_name"], email, department, roles, active, language)


def _parse_language(raw: str, problems: list[str]) -> str | None:
    """The language of the person's pages and mail: a code the site speaks (es, en)."""
    if not raw:
        return None
    languages = current_app.config["LANGUAGES"]
    word = raw.lower().replace("_", "-").split("-")[0]
    if word not in languages:
        problems.append(_l("language '%(raw)s' should be one of: %(languages)s", raw=raw, languages=", ".join(languages)))
        return None
    return word


def _parse_roles(raw: str, problems: list[str]) -> set[Role]:
    roles: set[Role] = set()
    for word in re.split(r"[\s|,]+", raw.lower()):
        if not word:
            continue
        try:
            role = Role(word)
        except ValueError:
            problems.append(_l("unknown role '%(word)s' (use staff or supervisor)", word=word))
            continue
        if role not in IMPORTABLE_ROLES:
            problems.append(_l("role '%(word)s' is granted on the admin pages, not by import", word=word))
        roles.add(role)
    return roles | {Role.STAFF}


def _check_emails_against_database(rows: list[_Row], errors: list[RowError]) -> None:
    """An email may not move to a different person than the one holding it."""
    by_email = {r.email: r for r in rows}
    if not by_email:
        return
    holders = db.session.execute(select(User.email, User.employee_no)).all()
    for email, employee_no in holders:
        row = by_email.get(email.lower())
        if row is not None and row.employee_no.lower() != employee_no.lower():
            errors.append(RowError(row.line, _l("email '%(email)s' belongs to employee %(employee_no)s", email=email, employee_no=employee_no)))


def _apply(rows: list[_Row], actor: User | None = None) -> ImportResult:
    """Write every row, in a savepoint: a file rejected here (it would leave no active administrator)
    leaves nothing of itself behind, whatever else the caller's transaction holds."""
    result = ImportResult()
    existing = {u.employee_no.lower(): u for u in db.session.scalars(select(User))}
    deactivated_admins: list[int] = []
    try:
        with db.session.begin_nested():
            for row in rows:
                user = existing.get(row.employee_no.lower())
                if user is not None and user.active and row.active is False and user.has_role(Role.ADMIN):
                    deactivated_admins.append(row.line)
                if user is None:
                    user = User(
                        employee_no=row.employee_no, full_name=row.full_name, email=row.email,
                        department_id=row.department.id, active=True if row.active is None else row.active,
                        password_hash="", locale=row.language,
                    )
                    user.role_rows = [UserRole(role=r) for r in sorted(row.roles or {Role.STAFF}, key=str)]
                    db.session.add(user)
                    result.created.append(row.employee_no)
                elif _update(user, row):
                    result.updated.append(row.employee_no)
                else:
                    result.unchanged += 1
            ensure_an_active_admin_remains()
            audit_trail.record("import.staff", "staff", actor=actor,
                               after={"created": result.created, "updated": result.updated,
                                      "unchanged": result.unchanged})
    except LastAdminError as error:
        raise ImportRejected([RowError(line, error.args[0]) for line in deactivated_admins]) from None
    return result


def _update(user: User, row: _Row) -> bool:
    before = (user.full_name, user.email, user.department_id, user.active, frozenset(user.roles), user.locale)
    user.full_name, user.email, user.department_id = row.full_name, row.email, row.department.id
    if row.language is not None:
        user.locale = row.language
    if row.active is not None:
        user.active = row.active
    if row.roles is not None:
        kept = user.roles - IMPORTABLE_ROLES  # hr/admin stay as the admin set them
        user.set_roles(kept | row.roles)
    return before != (user.full_name, user.email, user.department_id, user.active, frozenset(user.roles), user.locale)
