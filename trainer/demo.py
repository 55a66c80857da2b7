"""Demo departments and accounts for a developer's machine. Idempotent."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from trainer import transactions
from trainer.people.models import Department, Role, User
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


# Qualifications the demo people already hold: (employee_no, qualification, days since the grant).
DEMO_CERTIFICATES = [
    ("S0001", "inspector", 60), ("S0001", "supervisor", 55),
    ("E1002", "inspector", 335),  # inside the renewal window
    ("E2001", "inspector", 400),  # expired
    ("E3001", "inspector", 20),
]


def seed_demo() -> list[DemoAccount]:
    """Seed every part of the demo (`trainer seed-demo`, the tests' demo database). This is the seeding's
    caller: each part is committed as it ends; the parts themselves only flush."""
    from trainer.batches.demo import seed_demo_batch
    from trainer.certification.services import today
    from trainer.demo_operations import seed_operations
    from trainer.demo_training import seed_training
    from trainer.escalations.demo import seed_demo_escalation

    for part in (_seed_accounts, _seed_certificates, lambda: seed_operations(today()),
                 lambda: seed_demo_batch(today()), lambda: seed_demo_escalation(today()),
                 lambda: seed_training(today())):
        with transactions.unit_of_work():
            part()
    return ACCOUNTS


def _seed_accounts() -> None:
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


def _seed_certificates() -> None:
    """Certificates as if earned earlier, with the modules read, so every screen has something to show."""
    import secrets
    from datetime import datetime, time, timedelta, timezone

    from trainer.certification.models import Certificate, CertificateStatus, CertificationEvent, EventKind
    from trainer.certification.services import definition, today
    from trainer.content.models import ModuleCompletion
    from trainer.content.services import active_modules, read_through
    from trainer.timeutil import add_months

    modules = active_modules()
    for employee_no, code, days_ago in DEMO_CERTIFICATES:
        user = db.session.scalar(select(User).where(User.employee_no == employee_no))
        if user is None or db.session.scalar(select(Certificate).where(
                Certificate.user_id == user.id, Certificate.qualification == code)) is not None:
            continue
        valid_from = today() - timedelta(days=days_ago)
        cert = Certificate(user_id=user.id, qualification=code, status=CertificateStatus.ACTIVE, valid_from=valid_from,
                           expires_on=add_months(valid_from, definition(code).validity_months) - timedelta(days=1),
                           verify_code=secrets.token_urlsafe(18), badge_salt=secrets.token_hex(8))
        db.session.add(cert)
        db.session.flush()
        db.session.add(CertificationEvent(user_id=user.id, qualification=code, certificate_id=cert.id,
                                          kind=EventKind.GRANTED, reason="Examen aprobado antes de la puesta en marcha de la plataforma", source="demo"))
        # The modules read through in order at a reading pace, the day before the exam.
        reading_day = datetime.combine(valid_from - timedelta(days=1), time(9), tzinfo=timezone.utc)
        for module in modules:
            if code in module.qualifications and db.session.scalar(select(ModuleCompletion.id).where(
                    ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id)) is None:
                reading_day = read_through(user, module, start=reading_day).completed_at + timedelta(minutes=5)
