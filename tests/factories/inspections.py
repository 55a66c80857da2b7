"""Loans, complete report content for the real services, and report, review and signal
rows inserted directly with exactly the dates a test needs."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from trainer.people.models import User
from trainer.extensions import db
from trainer.inspections.models import (InspectionReport, Loan, RaisedSignal, ReportKind, ReportStatus, Review,
                                        ReviewDecision)
from trainer.inspections.policy import inspection_policy
from trainer.inspections.services import AreaEntry, ReportContent

from tests.factories.clock import local, today

_numbers = itertools.count(1)


def loan(officer: User, start: date | None = None, *, loan_no: str | None = None, started_days_ago: int = 400,
         active: bool = True) -> Loan:
    """A loan of `officer`'s department in their charge, started on `start` (or `started_days_ago`)."""
    row = Loan(loan_no=loan_no or f"L-{next(_numbers):05d}", borrower="Talleres Norte S.L.",
               department_id=officer.department_id, officer_id=officer.id, amount=Decimal("150000.00"),
               loan_type="working_capital", guarantor="Juan Norte", collateral="Warehouse, Calle Mayor 1",
               start_date=start or today() - timedelta(days=started_days_ago), active=active)
    db.session.add(row)
    db.session.commit()
    return row


def report_content(day: date | None = None, kind: str = "regular", signals: dict[str, str] | None = None) -> ReportContent:
    """Every area with a finding and a rating, and a conclusion: ready to submit."""
    return ReportContent(
        kind=kind, inspection_date=day or today(), trigger="Borrower missed a payment" if kind == "irregular" else "",
        conclusion="Loan performing; keep monitoring the guarantor.",
        areas={code: AreaEntry(f"Checked {code}", "normal", "") for code in inspection_policy().area_codes},
        signals=signals if signals is not None else {"guarantor_weakened": "Guarantor sold two properties"},
    )


def report(on: Loan, inspected: date, submitted: datetime | None = None, status: ReportStatus | None = None,
           kind: ReportKind = ReportKind.REGULAR, author: User | None = None) -> InspectionReport:
    """A report row on loan `on` (by its officer unless `author`): a draft, or submitted at `submitted`."""
    status = status or (ReportStatus.SUBMITTED if submitted else ReportStatus.DRAFT)
    row = InspectionReport(loan_id=on.id, author_id=author.id if author else on.officer_id,
                           department_id=on.department_id, kind=kind, inspection_date=inspected, status=status,
                           submitted_at=submitted)
    db.session.add(row)
    db.session.commit()
    return row


def review(of: InspectionReport, reviewer: User, score: int, accepted: bool = True,
           at: datetime | None = None) -> Review:
    row = Review(report_id=of.id, reviewer_id=reviewer.id,
                 decision=ReviewDecision.ACCEPTED if accepted else ReviewDecision.RETURNED, opinion="Reviewed.",
                 scores={}, quality_score=score, created_at=at or local(of.inspection_date, 18))
    db.session.add(row)
    db.session.commit()
    return row


def signals(of: InspectionReport, *judgements: bool | None) -> None:
    """Raised signals on `of`, one per judgement (confirmed, rejected, or not yet judged)."""
    for n, confirmed in enumerate(judgements):
        db.session.add(RaisedSignal(report_id=of.id, signal=f"signal_{n}", severity="medium", confirmed=confirmed))
    db.session.commit()
