"""Building the pack from the database (run inside the app)."""
from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

from sqlalchemy import inspect, select

from trainer.audit.format import (
    FORMAT, MANIFEST, PACK_CONTEXT, PUBLIC_KEY, SIGNATURE, canonical, digest, item_path,
)
from trainer.people.models import User
from trainer.certification import services as certification
from trainer.content import models as content_models
from trainer.exams.models import ExamAttempt
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan, Review
from trainer import signing
from trainer.ledger import checkpoints
from trainer.ledger.chain import HASHED
from trainer.ledger.merkle import Tree, leaf_hash
from trainer.ledger.models import LedgerEntry
from trainer.ledger.verify import checkpoint_now
from trainer.timeutil import utcnow


def parse_quarter(text: str) -> tuple[date, date]:
    """'2026Q3' -> (1 Jul 2026, 30 Sep 2026); ValueError with the expected form otherwise."""
    try:
        year, quarter = int(text[:4]), int(text[5:])
        if text[4] not in "Qq" or not 1 <= quarter <= 4 or len(text) != 6:
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"{text!r}: give a quarter as YYYYQn, e.g. 2026Q3") from None
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def row(obj) -> dict:
    """Every column of a model row, as JSON values."""
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in inspect(obj).mapper.column_attrs}


def _person(user_id: int) -> dict:
    person = db.session.get(User, user_id)
    return {"id": person.id, "employee_no": person.employee_no, "name": person.full_name}


def _evidence(author_id: int, on: date) -> dict:
    """What made the author an inspector on the day inspected."""
    standing = certification.standing(author_id, "inspector", on)
    cert = standing.certificate
    evidence = {"state_on_inspection_date": standing.state, "certificate": row(cert) if cert else None,
                "exam_attempt": None, "module_completions": [], "reading_record": []}
    if cert is not None and cert.attempt_id is not None:
        attempt = db.session.get(ExamAttempt, cert.attempt_id)
        evidence["exam_attempt"] = row(attempt)
        before = attempt.submitted_at or attempt.started_at
        completions = db.session.scalars(select(content_models.ModuleCompletion).where(
            content_models.ModuleCompletion.user_id == author_id,
            content_models.ModuleCompletion.completed_at <= before)).all()
        evidence["module_completions"] = [row(c) for c in completions]
        reading = getattr(content_models, "SectionReading", None)
        if reading is not None:
            evidence["reading_record"] = [row(r) for r in db.session.scalars(
                select(reading).where(reading.user_id == author_id))]
    return evidence


def _moment_range(first: date, last: date) -> tuple[datetime, datetime]:
    """The quarter's first and last day in the bank's time zone, as UTC moments."""
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (datetime.combine(first, time.min, tz).astimezone(timezone.utc),
            datetime.combine(date.fromordinal(last.toordinal() + 1), time.min, tz).astimezone(timezone.utc))


def build_pack(quarter: str, target: Path) -> dict:
    """Write the pack for `quarter` to `target`; returns the manifest. The caller commits
    (the pack's checkpoint is stored like any other)."""
    first, last = parse_quarter(quarter)
    since, until = _moment_range(first, last)
    head = checkpoints.from_row(checkpoint_now())
    items: dict[str, dict[str, bytes]] = {"reports": {}, "reviews": {}, "ledger": {}}

    reports = db.session.scalars(select(InspectionReport).where(
        InspectionReport.submitted_at >= since, InspectionReport.submitted_at < until)
        .order_by(InspectionReport.id)).all()
    for report in reports:
        data = db.session.scalars(select(InspectionReport).where(InspectionReport.id == report.id)
                                  .execution_options(populate_existing=True)).one()
        body = row(data)
        body["loan_no"] = db.session.get(Loan, report.loan_id).loan_no
        body["author"] = _person(report.author_id)
        body["author_evidence"] = _evidence(report.author_id, report.inspection_date)
        items["reports"][str(report.id)] = canonical(body)
    for review in db.session.scalars(select(Review).where(Review.report_id.in_([r.id for r in reports]))
                                     .order_by(Review.id)):
        body = row(review) | {"reviewer": _person(review.reviewer_id)}
        items["reviews"][str(review.id)] = canonical(body)

    hashes = [h for (h,) in db.session.execute(select(LedgerEntry.hash).where(LedgerEntry.seq <= head.size)
                                                 .order_by(LedgerEntry.seq))]
    tree = Tree([leaf_hash(bytes.fromhex(h)) for h in hashes])
    for entry in db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.created_at >= since, LedgerEntry.created_at < until, LedgerEntry.seq <= head.size)
            .order_by(LedgerEntry.seq)):
        body = {name: _plain(getattr(entry, name)) for name in HASHED} | {
            "hash": entry.hash, "signature": entry.signature,
            "inclusion_proof": [p.hex() for p in tree.inclusion_proof(entry.seq - 1)]}
        items["ledger"][str(entry.seq)] = canonical(body)

    public_pem = signing.public_pem(signing.signer().public)
    manifest = {
        "format": FORMAT, "period": {"quarter": quarter, "from": first.isoformat(), "to": last.isoformat()},
        "generated_at": _plain(utcnow()),
        "checkpoint": {"size": head.size, "root": head.root, "head_hash": head.head_hash,
                       "created_at": head.created_at, "audit_size": head.audit_size, "audit_head": head.audit_head,
                       "key_id": head.key_id, "signature": head.signature},
        "items": {section: {key: digest(data) for key, data in entries.items()} for section, entries in items.items()},
    }
    manifest_bytes = canonical(manifest)
    with zipfile.ZipFile(target, "x", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(MANIFEST, manifest_bytes)
        pack.writestr(SIGNATURE, signing.signer().sign(PACK_CONTEXT, manifest_bytes))
        pack.writestr(PUBLIC_KEY, public_pem)
        for section, entries in items.items():
            for key, data in entries.items():
                pack.writestr(item_path(section, key), data)
    return manifest
