"""People around one supervisor, and a way to see that a refused change wrote nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from trainer.people.models import Department, Role, User
from trainer.certification.models import Certificate, CertificationEvent
from trainer.extensions import db
from trainer.inspections.models import InspectionReport
from trainer.ledger.models import LedgerEntry, LedgerHead

from tests import factories


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
    factories.certify(person, "inspector", "supervisor")


@pytest.fixture
def org(ctx) -> Org:
    home, other = factories.department(), factories.department()
    supervisor = factories.user(Role.SUPERVISOR, dept=home)
    qualify_supervisor(supervisor)
    return Org(home, other, supervisor, factories.user(dept=home), factories.user(dept=other),
               factories.user(Role.HR, dept=other), factories.user(Role.ADMIN, dept=other))


def snapshot() -> tuple:
    """Everything a ledger change may write: a refusal must leave it as it was."""
    # Commit what the session holds, as a request that goes on after a refusal would, then read it all:
    # a refusal must have left nothing behind to commit.
    db.session.commit()
    return (db.session.scalar(select(func.count()).select_from(LedgerEntry)),
            db.session.execute(select(LedgerHead.seq, LedgerHead.hash)).all(),
            db.session.scalar(select(func.count()).select_from(CertificationEvent)),
            db.session.execute(select(Certificate.id, Certificate.status)).all())


def inspection_by(author: User) -> InspectionReport:
    """A draft report of `author`'s on a loan in their charge."""
    return factories.report(factories.loan(author, date(2026, 1, 5)), date(2026, 2, 5))
