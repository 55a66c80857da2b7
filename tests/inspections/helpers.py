"""Builders for the inspection tests: certificates made directly (explicit dates and
states) so each test says exactly who is qualified, loans, and complete report content."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, update

from trainer.auth.models import Department, Role, User
from trainer.certification import services as certification
from trainer.certification.models import Certificate, CertificateStatus
from trainer.extensions import db
from trainer.inspections.models import Loan
from trainer.inspections.policy import inspection_policy
from trainer.inspections.services import AreaEntry, ReportContent
from trainer.timeutil import utcnow

from tests import factories

STATES = ["unqualified", "expired", "suspended", "revoked"]


def today() -> date:
    return certification.today()


def certify(person: User, *codes: str, starts_in: int = -120, ends_in: int = 300) -> None:
    """Active certificates for `codes` (inspector by default), dated relative to the bank's today."""
    for code in codes or ("inspector",):
        db.session.add(Certificate(
            user_id=person.id, qualification=code, status=CertificateStatus.ACTIVE,
            valid_from=today() + timedelta(days=starts_in), expires_on=today() + timedelta(days=ends_in),
            granted_at=utcnow(), verify_code=secrets.token_urlsafe(18), badge_salt=secrets.token_hex(8)))
    db.session.commit()


def put_in_state(person: User, state: str, code: str = "inspector") -> None:
    """Turn a certified person into one the gate must refuse."""
    if state == "unqualified":
        db.session.execute(delete(Certificate).where(Certificate.user_id == person.id))
    elif state == "expired":
        db.session.execute(update(Certificate).where(Certificate.user_id == person.id, Certificate.qualification == code)
                           .values(valid_from=today() - timedelta(days=400), expires_on=today() - timedelta(days=1)))
    elif state == "suspended":
        certification.suspend(person, code, factories.user(Role.HR), "missed warning signal")
    elif state == "revoked":
        certification.revoke(person, code, factories.user(Role.HR), "rule violation")
    db.session.commit()
    db.session.expire_all()


EXPECTED_REASON = {
    "unqualified": "You are not qualified as Post-loan inspector.",
    "expired": "expired on",
    "suspended": "is suspended",
    "revoked": "was revoked",
}


def loan(dept: Department, officer: User, loan_no: str | None = None, started_days_ago: int = 400,
         active: bool = True) -> Loan:
    row = Loan(loan_no=loan_no or f"L-{secrets.token_hex(4)}", borrower="Talleres Norte S.L.", department_id=dept.id,
               officer_id=officer.id, amount=Decimal("150000.00"), loan_type="working_capital", guarantor="Juan Norte",
               collateral="Warehouse, Calle Mayor 1", start_date=today() - timedelta(days=started_days_ago), active=active)
    db.session.add(row)
    db.session.commit()
    return row


def full_content(day: date | None = None, kind: str = "regular", signals: dict[str, str] | None = None) -> ReportContent:
    """Every area with a finding and a rating, and a conclusion: ready to submit."""
    return ReportContent(
        kind=kind, inspection_date=day or today(), trigger="Borrower missed a payment" if kind == "irregular" else "",
        conclusion="Loan performing; keep monitoring the guarantor.",
        areas={code: AreaEntry(f"Checked {code}", "normal", "") for code in inspection_policy().area_codes},
        signals=signals if signals is not None else {"guarantor_weakened": "Guarantor sold two properties"},
    )
