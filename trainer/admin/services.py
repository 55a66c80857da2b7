"""Rules for managing people and departments. Nobody is ever hard-deleted."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from trainer.audit_log import services as audit_trail
from trainer.people.models import Department, Role, User, UserRole
from trainer.auth.services import set_password
from trainer.extensions import db
from trainer.refusals import Refusal


class AdminRuleError(Refusal):
    """A change refused by a rule; `field` names the form field it concerns."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message, "admin_rule", fields={field: message})


class LastAdminError(AdminRuleError):
    """The change would leave nobody able to administer the site."""

    def __init__(self, field: str = "active"):
        super().__init__(field, _l("at least one active administrator must remain"))


def ensure_an_active_admin_remains(field: str = "active") -> None:
    """Call after changing anyone's roles or active flag in the session, before
    anything flushes or commits it: every path (admin form, staff import, any
    service) goes through this one rule. A site that had an active
    administrator keeps one (a new site without any may still import staff).

    The administrators' rows are locked first (PostgreSQL), so two admins
    deactivating each other at the same moment cannot both succeed.
    """
    admins = select(User.id).where(User.role_rows.any(UserRole.role == Role.ADMIN))
    with db.session.no_autoflush:  # the database still holds the state before the change
        db.session.execute(admins.order_by(User.id).with_for_update())
        before = _active_admins()
    db.session.flush()
    if before and not _active_admins():
        raise LastAdminError(field)


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.active, User.role_rows.any(UserRole.role == Role.ADMIN)))


@dataclass
class UserData:
    employee_no: str
    full_name: str
    email: str
    department_id: int
    roles: set[Role]
    active: bool
    locale: str | None = None  # the language of the person's pages and mail; None: not chosen yet


def _check_unique(user: User | None, data: UserData) -> None:
    other = db.session.scalar(select(User).where(
        or_(func.lower(User.employee_no) == data.employee_no.lower(), func.lower(User.email) == data.email.lower()),
        User.id != (user.id if user else -1),
    ))
    if other is not None:
        if other.employee_no.lower() == data.employee_no.lower():
            raise AdminRuleError("employee_no", _l("employee number %(employee_no)s is already used by %(full_name)s", employee_no=data.employee_no, full_name=other.full_name))
        raise AdminRuleError("email", _l("%(email)s is already used by %(full_name)s", email=data.email, full_name=other.full_name))
    department = db.session.get(Department, data.department_id)
    if department is None or (not department.active and (user is None or user.department_id != data.department_id)):
        raise AdminRuleError("department_id", _l("choose an active department"))


def _account(user: User) -> dict:
    """What the audit trail keeps of an account (never a password)."""
    return {"employee_no": user.employee_no, "full_name": user.full_name, "email": user.email,
            "department_id": user.department_id, "active": user.active,
            "roles": sorted(role.value for role in user.roles), "locale": user.locale}


def _record_account_change(actor: User | None, user: User, before: dict, after: dict) -> None:
    """One event per kind of change, so the trail can be filtered by roles or activation."""
    subject = f"user:{user.id}"
    if before["roles"] != after["roles"]:
        audit_trail.record("roles.changed", subject, actor=actor, person=user,
                           before={"roles": before["roles"]}, after={"roles": after["roles"]})
    if before["active"] != after["active"]:
        audit_trail.record("account.activated" if after["active"] else "account.deactivated", subject,
                           actor=actor, person=user, before={"active": before["active"]},
                           after={"active": after["active"]})
    others = [k for k in after if k not in ("roles", "active") and before[k] != after[k]]
    if others:
        audit_trail.record("account.changed", subject, actor=actor, person=user,
                           before={k: before[k] for k in others}, after={k: after[k] for k in others})


def create_user(data: UserData, password: str | None, actor: User | None = None) -> User:
    _check_unique(None, data)
    user = User(employee_no=data.employee_no, full_name=data.full_name, email=data.email.lower(),
                department_id=data.department_id, active=data.active, password_hash="", locale=data.locale)
    user.set_roles(data.roles | {Role.STAFF})
    if password:
        set_password(user, password, temporary=True)
    db.session.add(user)
    db.session.flush()
    audit_trail.record("account.created", f"user:{user.id}", actor=actor, person=user, after=_account(user))
    return user


def update_user(actor: User, user: User, data: UserData) -> None:
    _check_unique(user, data)
    if actor.id == user.id and Role.ADMIN not in data.roles:
        raise AdminRuleError("roles", _l("you cannot remove your own admin role"))
    if actor.id == user.id and not data.active:
        raise AdminRuleError("active", _l("you cannot deactivate your own account"))
    before = _account(user)
    # The last-admin rule can only judge the change once it is made: in a savepoint, so a refused
    # change leaves the person as stored (the form re-rendered beside them shows what was refused).
    with db.session.begin_nested():
        user.employee_no, user.full_name, user.email = data.employee_no, data.full_name, data.email.lower()
        user.department_id = data.department_id
        if data.locale is not None:
            user.locale = data.locale
        user.set_roles(data.roles | {Role.STAFF})
        if user.active and not data.active:
            user.session_version += 1  # end the deactivated person's sessions now
        user.active = data.active
        ensure_an_active_admin_remains(field="roles" if data.active else "active")
    _record_account_change(actor, user, before, _account(user))


def reset_password(user: User, temporary_password: str, actor: User | None = None) -> None:
    """Set a temporary password the person must change at the next login."""
    set_password(user, temporary_password, temporary=True)
    audit_trail.record("password.reset", f"user:{user.id}", actor=actor, person=user, after={"temporary": True})


def save_department(department: Department | None, code: str, name: str, active: bool,
                    actor: User | None = None) -> Department:
    clash = db.session.scalar(select(Department).where(
        func.lower(Department.code) == code.lower(), Department.id != (department.id if department else -1)))
    if clash is not None:
        raise AdminRuleError("code", _l("code %(code)s is already used by %(name)s", code=code, name=clash.name))
    if department is not None and department.active and not active:
        people = db.session.scalar(select(func.count()).select_from(User).where(
            User.department_id == department.id, User.active))
        if people:
            raise AdminRuleError("active", _l("%(people)s active people still belong to this department: move or deactivate them first", people=people))
    before = {} if department is None else {"code": department.code, "name": department.name,
                                            "active": department.active}
    if department is None:
        department = Department(code=code, name=name, active=active)
        db.session.add(department)
    else:
        department.code, department.name, department.active = code, name, active
    db.session.flush()
    after = {"code": code, "name": name, "active": active}
    if before != after:
        audit_trail.record("department.created" if not before else "department.changed",
                           f"department:{department.id}", actor=actor, before=before, after=after)
    return department


def department_headcounts() -> dict[int, int]:
    rows = db.session.execute(
        select(User.department_id, func.count()).where(User.active).group_by(User.department_id)
    )
    return dict(rows.all())


def search_users(q: str = "", department_id: int | None = None, role: Role | None = None,
                 active: bool | None = None, logged_in: bool | None = None):
    """`logged_in`: False for people who never logged in, True for those who have."""
    query = select(User).order_by(User.full_name)
    if logged_in is not None:
        query = query.where(User.last_login_at.is_not(None) if logged_in else User.last_login_at.is_(None))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like),
                                func.lower(User.employee_no).like(like)))
    if department_id:
        query = query.where(User.department_id == department_id)
    if role:
        query = query.where(User.role_rows.any(role=role))
    if active is not None:
        query = query.where(User.active == active)
    return query
