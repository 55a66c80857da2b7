"""People around one supervisor, and a way to see that a refused change wrote nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from trainer.auth.models import Department, Role, User
from trainer.certification.models import Certificate, CertificationEvent
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan, ReportKind
from trainer.ledger.models import LedgerEntry, LedgerHead

from tests import factories
from tests.certification.test_certificate_pages import make_certificate


@dataclass
class Org:
    home: Department
    other: Department
    supervisor: User  # of `home`, holding a valid supervisor qualification
    officer: User  # staff of `home`
    outsider: User  # staff of `other`
    hr: User
    admin: User


def qualify_supervisor(person: User) -> None:
    """Certificates as a passed exam would grant them (a supervisor must be an inspector too)."""
    make_certificate(person, code="inspector")
    make_certificate(person, code="supervisor")


@pytest.fixture
def org(ctx) -> Org:
    home, other = factories.department(), factories.department()
    supervisor = factories.user(Role.SUPERVISOR, dept=home)
    qualify_supervisor(supervisor)
    return Org(home, other, supervisor, factories.user(dept=home), factories.user(dept=other),
               factories.user(Role.HR, dept=other), factories.user(Role.ADMIN, dept=other))


def snapshot() -> tuple:
    """Everything a ledger change may write: a refusal must leave it as it was."""
    db.session.rollback()  # read what is committed, not what the session holds
    return (db.session.scalar(select(func.count()).select_from(LedgerEntry)),
            db.session.execute(select(LedgerHead.seq, LedgerHead.hash)).all(),
            db.session.scalar(select(func.count()).select_from(CertificationEvent)),
            db.session.execute(select(Certificate.id, Certificate.status)).all())


def inspection_by(author: User) -> InspectionReport:
    loan = Loan(loan_no=f"L-{author.id}-{db.session.scalar(select(func.count()).select_from(Loan))}",
                borrower="Acme Ltd", department_id=author.department_id, officer_id=author.id,
                amount=Decimal("100000.00"), loan_type="working_capital", start_date=date(2026, 1, 5))
    db.session.add(loan)
    db.session.flush()
    report = InspectionReport(loan_id=loan.id, author_id=author.id, department_id=author.department_id,
                              kind=ReportKind.REGULAR, inspection_date=date(2026, 2, 5))
    db.session.add(report)
    db.session.commit()
    return report
