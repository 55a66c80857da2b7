"""Who may do what: role checks for routes and the department rule for records.

Every view states its roles with `@roles_required`. Records that belong to a
department (people, ledger entries, reports, loans, escalations, meetings)
are scoped by one rule, here: HR and administrators see every department
(`is_bank_wide`), a supervisor their own department, anyone else only the
records about themselves. Queries go through `scoped`, single records
through `in_scope`; a feature passes its own columns and, where its rule
differs, says how (`bank_wide=` for extra bank-wide readers such as risk
management, `whole_department=True` where every member of a department sees
its records, e.g. its loans).
"""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, false

from trainer.people.models import Role, User
F = TypeVar("F", bound=Callable)

# Roles that see people of every department.
BANK_WIDE_ROLES = (Role.HR, Role.ADMIN)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Log-in required, and at least one of `roles` (none given: any role)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def identity_only(view: F) -> F:
    """Mark a view (outermost, under the route) as needing only who is logged in and their roles:
    the session is checked as for every page (account active, password version), but `current_user`
    is a `SessionIdentity` read in one light query instead of the ORM `User` (hot JSON endpoints)."""
    view.identity_only = True  # type: ignore[attr-defined]
    return view


def is_bank_wide(user: User) -> bool:
    """HR and administrators see and act on every department."""
    return user.has_role(*BANK_WIDE_ROLES)


def in_scope(viewer: User, department_id: int | None, person_id: int | None = None, *,
             bank_wide: bool | None = None, whole_department: bool = False) -> bool:
    """Whether `viewer` may see a record of `department_id` (about `person_id`, if it is about one)."""
    if (is_bank_wide(viewer) if bank_wide is None else bank_wide):
        return True
    if person_id is not None and person_id == viewer.id:
        return True
    same_department = department_id is not None and department_id == viewer.department_id
    return same_department and (whole_department or viewer.has_role(Role.SUPERVISOR))


def scoped(query: Select, viewer: User, department: ColumnElement, person: ColumnElement | None = None, *,
           bank_wide: bool | None = None, whole_department: bool = False) -> Select:
    """`query` restricted to the records `viewer` may see, by the same rule as `in_scope`."""
    if (is_bank_wide(viewer) if bank_wide is None else bank_wide):
        return query
    mine = person == viewer.id if person is not None else None
    if whole_department or viewer.has_role(Role.SUPERVISOR):
        department_rows = department == viewer.department_id
        return query.where(department_rows if mine is None else department_rows | mine)
    return query.where(mine if mine is not None else false())


def can_view_person(viewer: User, person: User) -> bool:
    return in_scope(viewer, person.department_id, person.id)


def scope_people(query: Select, viewer: User) -> Select:
    """Restrict a query over `User` to the people `viewer` may see."""
    return scoped(query, viewer, User.department_id, User.id)
