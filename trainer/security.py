"""Who may do what: role checks for routes and department scoping for objects.

Every view states its roles with `@roles_required`; object-level checks go
through `can_view_person` / `visible_users`, so the department rule lives
in one place.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select

from trainer.auth.models import Role, User

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


def can_view_person(viewer: User, person: User) -> bool:
    if viewer.id == person.id or viewer.has_role(*BANK_WIDE_ROLES):
        return True
    return viewer.has_role(Role.SUPERVISOR) and viewer.department_id == person.department_id


def scope_people(query: Select, viewer: User) -> Select:
    """Restrict a query over `User` to the people `viewer` may see."""
    if viewer.has_role(*BANK_WIDE_ROLES):
        return query
    if viewer.has_role(Role.SUPERVISOR):
        return query.where(User.department_id == viewer.department_id)
    return query.where(User.id == viewer.id)
