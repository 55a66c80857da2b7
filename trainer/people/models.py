"""The bank's people register: staff, their departments and roles. Every feature refers to it; it refers to
no feature (logging in, accounts and passwords are trainer/auth)."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, func
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class Role(str, enum.Enum):
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    HR = "hr"
    ADMIN = "admin"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # Empty until a password is set: imported staff cannot log in before that.
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on password change so every other session of this person ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # The password is checked by the LDAP / AD directory (TRAINER_LDAP_URL), not a local hash.
    directory_login: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set at every login (password, link or single sign-on): empty means never logged in.
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    def __init__(self, **fields):
        # Column defaults only apply at INSERT; rules read these before that.
        for name, value in (("session_version", 1), ("active", True), ("password_hash", ""),
                            ("must_change_password", False), ("directory_login", False)):
            fields.setdefault(name, value)
        super().__init__(**fields)

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def department_name(self) -> str:  # as SessionIdentity has it (templates read this one)
        return self.department.name

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        # Role values are accepted as plain strings too, for templates.
        return bool(self.roles.intersection(Role(r) for r in roles))

    def set_roles(self, roles: set[Role]) -> None:
        keep = [row for row in self.role_rows if row.role in roles]
        have = {row.role for row in keep}
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles - have, key=str)]

    def __repr__(self) -> str:
        return f"<User {self.employee_no}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
    )


def employee_no_is(number: str | BindParameter):
    """The one way to look a person up by employee number: trimmed and case-insensitive,
    as imports match them ('e00042' finds 'E00042'). A statement built once passes a bound
    parameter instead, and `employee_no_key(number)` as its value."""
    return func.lower(User.employee_no) == (number if isinstance(number, BindParameter) else employee_no_key(number))


def employee_no_key(number: str) -> str:
    return number.strip().lower()
