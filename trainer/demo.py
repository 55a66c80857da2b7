"""Demo departments and accounts for a developer's machine. Idempotent."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from trainer.auth.models import Department, Role, User
from trainer.auth.services import set_password
from trainer.extensions import db

DEPARTMENTS = [
    ("CR-MAD", "Crédito Empresas Madrid"),
    ("CR-SEV", "Crédito Pymes Sevilla"),
    ("CR-VAL", "Banca Corporativa Valencia"),
]


@dataclass(frozen=True)
class DemoAccount:
    employee_no: str
    full_name: str
    email: str
    department: str
    roles: tuple[Role, ...]
    password: str
    locale: str = "es"


ACCOUNTS = [
    DemoAccount("A0001", "Ana Administradora", "admin@demo.bank", "CR-MAD", (Role.ADMIN, Role.STAFF), "demo-admin-pass"),
    DemoAccount("H0001", "Hugo Recursos", "hr@demo.bank", "CR-MAD", (Role.HR, Role.STAFF), "demo-hr-pass"),
    DemoAccount("S0001", "Sofía Supervisora", "supervisor@demo.bank", "CR-MAD", (Role.SUPERVISOR, Role.STAFF), "demo-supervisor-pass"),
    DemoAccount("E1001", "Elena Oficial", "officer@demo.bank", "CR-MAD", (Role.STAFF,), "demo-officer-pass"),
    DemoAccount("E1002", "Pablo Gestor", "officer2@demo.bank", "CR-MAD", (Role.STAFF,), "demo-officer-pass"),
    DemoAccount("E2001", "Lucía Analista", "sevilla@demo.bank", "CR-SEV", (Role.STAFF,), "demo-officer-pass"),
    DemoAccount("E3001", "James Carter", "valencia@demo.bank", "CR-VAL", (Role.STAFF,), "demo-officer-pass", "en"),
]


def seed_demo() -> list[DemoAccount]:
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    for code, name in DEPARTMENTS:
        if code not in departments:
            departments[code] = Department(code=code, name=name, active=True)
            db.session.add(departments[code])
    db.session.flush()
    for account in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.employee_no == account.employee_no))
        if user is None:
            user = User(employee_no=account.employee_no, full_name=account.full_name, email=account.email,
                        department_id=departments[account.department].id, active=True, locale=account.locale)
            user.set_roles(set(account.roles))
            set_password(user, account.password)
            db.session.add(user)
    db.session.commit()
    return ACCOUNTS
