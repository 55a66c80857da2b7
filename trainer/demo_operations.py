"""Demo loans, inspection reports, reviews and ledger entries, built through the
real services (so the gate and the rules apply), for a believable first look."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from trainer.people.models import Department, User
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal

# loan_no, borrower, department, officer, amount, type, guarantor, collateral
LOANS = [
    ("MAD-2025-0101", "Textiles Norte, S.A.", "CR-MAD", "E1002", "1500000", "working_capital",
     "Grupo Norte Holding", "Prenda sobre existencias"),
    ("MAD-2025-0102", "Cerámicas del Tajo, S.L.", "CR-MAD", "E1002", "820000", "fixed_asset",
     "", "Hipoteca sobre la planta de Toledo"),
    ("MAD-2025-0103", "Logística Centro, S.A.", "CR-MAD", "E1002", "450000", "working_capital",
     "Antonio Ruiz (socio)", ""),
    ("MAD-2025-0110", "Panificadora Sol, S.L.", "CR-MAD", "E1001", "260000", "working_capital", "", "Prenda sobre maquinaria"),
    ("MAD-2025-0111", "Huertas de Aranjuez, S.Coop.", "CR-MAD", "E1001", "390000", "fixed_asset",
     "", "Hipoteca sobre fincas rústicas"),
    ("SEV-2025-0201", "Aceites del Sur, S.A.", "CR-SEV", "E2001", "2100000", "fixed_asset",
     "Cooperativa Olivarera", "Hipoteca sobre la almazara"),
    ("VAL-2025-0301", "Naviera Levante, S.A.", "CR-VAL", "E3001", "3400000", "working_capital", "", "Prenda sobre buques"),
]
FINDINGS = {
    "fund_use": "Las disposiciones coinciden con las facturas del expediente; no hay transferencias a empresas vinculadas.",
    "macro_environment": "Demanda del sector estable; los costes energéticos suben un 8 % en el trimestre.",
    "production_operation": "La planta trabaja a dos turnos; la cartera de pedidos cubre cuatro meses.",
    "financial_condition": "Ratio de liquidez 1,4; periodo medio de cobro de 52 días, frente a 47.",
    "management": "Sin cambios en el equipo directivo.",
    "major_matters": "No se anuncian litigios, accidentes ni grandes inversiones.",
    "guarantor": "Las últimas cuentas del garante muestran un patrimonio neto estable.",
    "collateral": "Garantía inspeccionada in situ; inscripción registral vigente hasta 2031.",
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
    db.session.flush()  # the loans' ids, for the reports filed on them
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
            signals = {"liquidity_strain": "Dos proveedores informan de pagos con 30 días de retraso."} if (n, month) == (0, months[0]) else {}
            content = ReportContent(kind="regular", inspection_date=day, conclusion="Préstamo al corriente; mantener el seguimiento mensual.",
                                    areas={code: AreaEntry(finding=text, rating="normal") for code, text in FINDINGS.items()},
                                    signals=signals)
            filed_at = datetime.combine(day + timedelta(days=2), time(10), tzinfo=timezone.utc)
            report = file_report(officer, loan, content, submit=True, now=filed_at)
            scores = {"coverage": 4, "timeliness": 4 if n else 3, "signal_accuracy": 3, "analysis_quality": 3 + (n % 2)}
            confirmations = {s.id: True for s in db.session.scalars(
                select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
            review_report(supervisor, report.id, ReviewInput(
                decision="accepted", opinion="Informe completo; el análisis respalda la conclusión.",
                scores=scores, confirmations=confirmations), now=filed_at + timedelta(days=1))
    flagged = db.session.scalar(select(InspectionReport.id).where(InspectionReport.loan_id == loans[0].id)
                                .order_by(InspectionReport.inspection_date.desc()).limit(1))
    log_entry(supervisor, officer, "risk_revealed_early", 10,
              "Detectó los retrasos en los pagos a proveedores de Textiles Norte antes de que afectaran al banco.",
              inspection_id=flagged)
