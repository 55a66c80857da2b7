"""Report versions: when a supervisor returns a report for correction, the report as it was
returned is kept as a numbered, never-changed snapshot (every field, area, signal and the
review's ratings). The author and the supervisors see the list and a field-by-field diff
between a returned version and what came after it (the next version, or the report now).

Diffs are plain data (segments of equal / removed / added text from difflib); templates
render them with autoescaping, so nothing the author typed becomes markup.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from trainer.extensions import db
from trainer.inspections.models import (AreaFinding, InspectionReport, RaisedSignal, ReportAttachment, ReportVersion,
                                        Review)
from trainer.inspections.policy import InspectionPolicy

NOT_RAISED = "—"
LONG_TEXT = 80  # longer texts (or any with a line break) are diffed word by word


def snapshot(report: InspectionReport, review: Review | None = None) -> dict:
    """The report's content now, as JSON-ready data; with the review that returned it, its ratings too."""
    areas = db.session.scalars(select(AreaFinding).where(AreaFinding.report_id == report.id)
                               .order_by(AreaFinding.position))
    signals = db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id)
                                 .order_by(RaisedSignal.signal))
    attachments = db.session.scalars(select(ReportAttachment).where(ReportAttachment.report_id == report.id)
                                     .order_by(ReportAttachment.id))
    data = {
        "kind": report.kind.value, "inspection_date": report.inspection_date.isoformat(), "trigger": report.trigger,
        "conclusion": report.conclusion, "revision": report.revision,
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
        "areas": [{"area": a.area, "finding": a.finding, "rating": a.rating, "reason": a.rating_reason, "notes": a.notes}
                  for a in areas],
        "signals": [{"signal": s.signal, "severity": s.severity, "note": s.note, "confirmed": s.confirmed}
                    for s in signals],
        "attachments": [{"id": a.id, "filename": a.filename, "sha256": a.sha256} for a in attachments],
    }
    if review is not None:
        data["review"] = {"id": review.id, "reviewer_id": review.reviewer_id, "opinion": review.opinion,
                          "return_reasons": review.return_reasons, "scores": dict(review.scores),
                          "quality_score": review.quality_score, "created_at": review.created_at.isoformat()}
    return data


def record_returned(report: InspectionReport, review: Review) -> ReportVersion:
    """Keep the report as `review` returned it, as the next numbered version (in the caller's transaction).
    Only the one review that wins the report's status change gets here, so numbers never collide."""
    db.session.flush()
    number = (db.session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id))
              or 0) + 1
    version = ReportVersion(report_id=report.id, number=number, review_id=review.id,
                            snapshot=snapshot(report, review), created_at=review.created_at)
    db.session.add(version)
    return version


def versions_of(report_id: int) -> list[ReportVersion]:
    return list(db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report_id)
                                   .order_by(ReportVersion.number)))


# --- the diff ---------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    op: str  # equal | removed | added
    text: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    before: str
    after: str
    segments: tuple[Segment, ...] = ()  # for long text: a word-level diff

    @property
    def changed(self) -> bool:
        return self.before != self.after


def text_segments(before: str, after: str) -> tuple[Segment, ...]:
    """A word-level diff of two texts (whitespace kept with the words)."""
    a, b = re.findall(r"\S+\s*|\s+", before), re.findall(r"\S+\s*|\s+", after)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", "".join(b[j1:j2])))
    return tuple(segments)


def _field(label, before: str | None, after: str | None) -> FieldDiff:
    before, after = before or "", after or ""
    long = max(len(before), len(after)) > LONG_TEXT or "\n" in before or "\n" in after
    return FieldDiff(str(label), before, after, text_segments(before, after) if long and before != after else ())


def diff(before: dict, after: dict, policy: InspectionPolicy, locale: str, kind_labels: dict) -> list[FieldDiff]:
    """Field by field, in the report's order: what changed between two snapshots."""
    def rating(code):
        return policy.ratings[code].label(locale) if code in policy.ratings else (code or "")

    def signal_name(code):
        return policy.signals[code].label(locale) if code in policy.signals else code

    fields = [
        _field(_l("Kind of inspection"), str(kind_labels.get(before["kind"], before["kind"])),
               str(kind_labels.get(after["kind"], after["kind"]))),
        _field(_l("Inspection date"), before["inspection_date"], after["inspection_date"]),
        _field(_l("What triggered it"), before["trigger"], after["trigger"]),
    ]
    old_areas = {a["area"]: a for a in before["areas"]}
    new_areas = {a["area"]: a for a in after["areas"]}
    empty = {"finding": "", "rating": None, "reason": "", "notes": ""}
    for area in policy.areas:
        old, new = old_areas.get(area.code, empty), new_areas.get(area.code, empty)
        name = area.label(locale)
        fields += [
            _field(f"{name} · {_l('Finding')}", old["finding"], new["finding"]),
            _field(f"{name} · {_l('Rating')}", rating(old["rating"]), rating(new["rating"])),
            _field(f"{name} · {_l('Reason for a serious rating')}", old.get("reason", ""), new.get("reason", "")),
            _field(f"{name} · {_l('Notes')}", old["notes"], new["notes"]),
        ]
    old_signals = {s["signal"]: s["note"] for s in before["signals"]}
    new_signals = {s["signal"]: s["note"] for s in after["signals"]}
    for code in sorted(set(old_signals) | set(new_signals), key=signal_name):
        fields.append(_field(f"{_l('Warning signal')}: {signal_name(code)}", old_signals.get(code, NOT_RAISED),
                             new_signals.get(code, NOT_RAISED)))
    fields.append(_field(_l("Overall conclusion"), before["conclusion"], after["conclusion"]))
    old_files = ", ".join(a["filename"] for a in before.get("attachments", []))
    new_files = ", ".join(a["filename"] for a in after.get("attachments", []))
    fields.append(_field(_l("Evidence"), old_files, new_files))
    return fields
