"""Rows for the evaluation tests, inserted directly: loans, reports, reviews,
signals, ledger entries and certificates with exactly the dates a test needs."""
from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, time, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from trainer.auth.models import User
from trainer.certification.models import Certificate, CertificateStatus
from trainer.extensions import db
from trainer.inspections.models import (InspectionReport, Loan, RaisedSignal, ReportKind, ReportStatus, Review,
                                        ReviewDecision)
from trainer.ledger.models import LedgerEntry

_numbers = itertools.count(1)


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of the bank's local day, as the UTC timestamp the app stores."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(hour, minute), zone).astimezone(timezone.utc)


def loan(officer: User, start: date, active: bool = True) -> Loan:
    row = Loan(loan_no=f"EV-{next(_numbers):05d}", borrower="Acme Ltd", department_id=officer.department_id,
               officer_id=officer.id, amount=Decimal("50000.00"), loan_type="working_capital", start_date=start,
               active=active)
    db.session.add(row)
    db.session.flush()
    return row


def report(on: Loan, inspected: date, submitted: datetime | None = None, status: ReportStatus | None = None,
           kind: ReportKind = ReportKind.REGULAR, author: User | None = None) -> InspectionReport:
    status = status or (ReportStatus.SUBMITTED if submitted else ReportStatus.DRAFT)
    row = InspectionReport(loan_id=on.id, author_id=author.id if author else on.officer_id,
                           department_id=on.department_id, kind=kind, inspection_date=inspected, status=status,
                           submitted_at=submitted)
    db.session.add(row)
    db.session.flush()
    return row


def review(of: InspectionReport, reviewer: User, score: int, accepted: bool = True,
           at: datetime | None = None) -> Review:
    row = Review(report_id=of.id, reviewer_id=reviewer.id,
                 decision=ReviewDecision.ACCEPTED if accepted else ReviewDecision.RETURNED, opinion="Reviewed.",
                 scores={}, quality_score=score, created_at=at or local(of.inspection_date, 18))
    db.session.add(row)
    db.session.flush()
    return row


def signals(of: InspectionReport, *judgements: bool | None) -> None:
    for n, confirmed in enumerate(judgements):
        db.session.add(RaisedSignal(report_id=of.id, signal=f"signal_{n}", severity="medium", confirmed=confirmed))
    db.session.flush()


def entry(person: User, points: int, at: datetime, kind: str | None = None, severity: str = "minor",
          reverses: LedgerEntry | None = None) -> LedgerEntry:
    n = next(_numbers)
    kind = kind or ("reward" if points > 0 else "sanction")
    row = LedgerEntry(seq=n, person_id=person.id, department_id=person.department_id, category="test",
                      kind=kind, severity=severity, points=points, reason="A test entry.", created_at=at,
                      reverses_id=reverses.id if reverses else None, prev_hash=f"prev-{n}", hash=f"hash-{n}")
    db.session.add(row)
    db.session.flush()
    return row


def reverse(original: LedgerEntry, at: datetime) -> LedgerEntry:
    person = db.session.get(User, original.person_id)
    return entry(person, -original.points, at, kind="reversal", severity=original.severity, reverses=original)


def certificate(person: User, valid_from: date, expires_on: date, code: str = "inspector",
                status: CertificateStatus = CertificateStatus.ACTIVE, ended_at: datetime | None = None) -> Certificate:
    row = Certificate(user_id=person.id, qualification=code, status=status, valid_from=valid_from,
                      expires_on=expires_on, ended_at=ended_at, verify_code=secrets.token_urlsafe(18),
                      badge_salt=secrets.token_hex(8))
    db.session.add(row)
    db.session.flush()
    return row
