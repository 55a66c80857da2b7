"""Demo loans, inspection reports, reviews and ledger entries, built through the
real services (so the gate and the rules apply), for a believable first look."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from trainer.auth.models import Department, User
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal

# loan_no, borrower, department, officer, amount, type, guarantor, collateral
LOANS = [
    ("MAD-2025-0101", "Textiles Norte, S.A.", "CR-MAD", "E1002", "1500000", "working_capital",
     "Grupo Norte Holding", "Pledge on inventory"),
    ("MAD-2025-0102", "Cerámicas del Tajo, S.L.", "CR-MAD", "E1002", "820000", "fixed_asset",
     "", "Mortgage on the plant at Toledo"),
    ("MAD-2025-0103", "Logística Centro, S.A.", "CR-MAD", "E1002", "450000", "working_capital",
     "Antonio Ruiz (partner)", ""),
    ("MAD-2025-0110", "Panificadora Sol, S.L.", "CR-MAD", "E1001", "260000", "working_capital", "", "Pledge on equipment"),
    ("MAD-2025-0111", "Huertas de Aranjuez, S.Coop.", "CR-MAD", "E1001", "390000", "fixed_asset",
     "", "Mortgage on farmland"),
    ("SEV-2025-0201", "Aceites del Sur, S.A.", "CR-SEV", "E2001", "2100000", "fixed_asset",
     "Cooperativa Olivarera", "Mortgage on the mill"),
    ("VAL-2025-0301", "Naviera Levante, S.A.", "CR-VAL", "E3001", "3400000", "working_capital", "", "Pledge on vessels"),
]
FINDINGS = {
    "fund_use": "Disbursements match the invoices in the file; no transfers to related companies.",
    "macro_environment": "Sector demand stable; energy costs up 8% on the quarter.",
    "production_operation": "Plant working two shifts; order book covers four months.",
    "financial_condition": "Current ratio 1.4; receivable days 52, up from 47.",
    "management": "No changes in the management team.",
    "major_matters": "No litigation, accidents or large investments announced.",
    "guarantor": "Guarantor's last accounts show stable equity.",
    "collateral": "Collateral inspected on site; registration valid until 2031.",
}


def seed_operations(today: date) -> None:
    if db.session.scalar(select(Loan.id).limit(1)) is not None:
        return
    people = {u.employee_no: u for u in db.session.scalars(select(User))}
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    loans = []
    for loan_no, borrower, dept, officer, amount, kind, guarantor, collateral in LOANS:
        loan = Loan(loan_no=loan_no, borrower=borrower, department_id=departments[dept].id,
                    officer_id=people[officer].id, amount=Decimal(amount), loan_type=kind, guarantor=guarantor,
                    collateral=collateral, start_date=today - timedelta(days=300), active=True)
        db.session.add(loan)
        loans.append(loan)
    db.session.commit()
    _file_and_review(people["E1002"], people["S0001"], [l for l in loans if l.officer_id == people["E1002"].id], today)


def _file_and_review(officer: User, supervisor: User, loans: list[Loan], today: date) -> None:
    """Monthly reports for the last four complete months, reviewed; one raises a signal."""
    from trainer.inspections.review import ReviewInput, review_report
    from trainer.inspections.services import AreaEntry, ReportContent, file_report
    from trainer.ledger.services import log_entry

    first_of_month = today.replace(day=1)
    months = []
    cursor = first_of_month
    for _ in range(4):
        cursor = (cursor - timedelta(days=1)).replace(day=1)
        months.append(cursor)
    for n, loan in enumerate(loans):
        for month in reversed(months):
            day = month + timedelta(days=9 + n)
            signals = {"liquidity_strain": "Two suppliers report payments 30 days late."} if (n, month) == (0, months[0]) else {}
            content = ReportContent(kind="regular", inspection_date=day, conclusion="Loan performing; keep monthly monitoring.",
                                    areas={code: AreaEntry(finding=text, rating="normal") for code, text in FINDINGS.items()},
                                    signals=signals)
            filed_at = datetime.combine(day + timedelta(days=2), time(10), tzinfo=timezone.utc)
            report = file_report(officer, loan, content, submit=True, now=filed_at)
            scores = {"coverage": 4, "timeliness": 4 if n else 3, "signal_accuracy": 3, "analysis_quality": 3 + (n % 2)}
            confirmations = {s.id: True for s in db.session.scalars(
                select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
            review_report(supervisor, report.id, ReviewInput(
                decision="accepted", opinion="Complete report; the analysis supports the conclusion.",
                scores=scores, confirmations=confirmations), now=filed_at + timedelta(days=1))
    flagged = db.session.scalar(select(InspectionReport.id).where(InspectionReport.loan_id == loans[0].id)
                                .order_by(InspectionReport.inspection_date.desc()).limit(1))
    log_entry(supervisor, officer, "risk_revealed_early", 10,
              "Spotted the supplier payment delays at Textiles Norte before they reached the bank.",
              inspection_id=flagged)
