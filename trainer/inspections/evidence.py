"""Evidence attached to an inspection report: photographs and documents the author adds.

A file is accepted by what its first bytes say it is (PDF, PNG, JPEG), never by its name,
and up to the upload limit (MAX_CONTENT_LENGTH, `TRAINER_MAX_UPLOAD_BYTES`). It is stored
outside the static files, under `TRAINER_UPLOADS_DIR` (default: `uploads/` in the instance
directory), with a random name; its SHA-256 is recorded. Only the author adds, and only while
the report is editable (a draft, or returned for correction). The author removes a file only
while it is editable and the file was not part of a version a supervisor returned (that
version names it). Who may download is who may see the report (`services.can_view_report`).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from trainer.people.models import User
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, ReportAttachment, ReportVersion
from trainer.inspections.services import EDITABLE, InspectionError
from trainer import transactions
from trainer.timeutil import utcnow

# content type -> (the bytes a file of that type starts with, the extension it is stored under)
KINDS = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
}
MAX_PER_REPORT = 20
NAME_MAX = 200


def uploads_dir() -> Path:
    config = current_app.config
    return Path(config.get("UPLOADS_DIR") or Path(config["INSTANCE_DIR"]) / "uploads")


def max_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 5 * 1024 * 1024)


def sniff(data: bytes) -> str | None:
    """The content type the file's first bytes show, among those accepted; None otherwise."""
    return next((kind for kind, (magic, _ext) in KINDS.items() if data.startswith(magic)), None)


def clean_name(filename: str, content_type: str) -> str:
    """The uploaded name without a path or control characters, kept short; shown and offered on download."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip(" .")
    ext = KINDS[content_type][1]
    if not name:
        name = "evidence" + ext
    if len(name) > NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:NAME_MAX - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else name[:NAME_MAX]
    return name


def path_of(attachment: ReportAttachment) -> Path:
    return uploads_dir() / attachment.stored_name


def attachments_of(report_id: int) -> list[ReportAttachment]:
    return list(db.session.scalars(select(ReportAttachment).where(ReportAttachment.report_id == report_id)
                                   .order_by(ReportAttachment.id)))


def _report_for_author(author: User, report_id: int) -> InspectionReport:
    report = db.session.get(InspectionReport, report_id)
    if report is None:
        raise InspectionError("not_found", _l("There is no such report."), forbidden=True)
    if report.author_id != author.id:
        raise InspectionError("not_author", _l("Only the author may change this report."), forbidden=True)
    if report.status not in EDITABLE:
        raise InspectionError("not_editable", _l("Evidence is added only while the report can be edited."))
    return report


def add(author: User, report_id: int, filename: str, data: bytes) -> ReportAttachment:
    """Attach one file to the author's editable report, in the caller's transaction. The file is written
    before the row, and removed again if the transaction ends without committing the row."""
    report = _report_for_author(author, report_id)
    if not data:
        raise InspectionError("invalid", _l("Choose a file to attach."), {"file": _l("Choose a file to attach.")})
    if len(data) > max_bytes():
        message = _l("The file is too large: at most %(mb).1f MB.", mb=max_bytes() / 1024 / 1024)
        raise InspectionError("invalid", message, {"file": message})
    content_type = sniff(data)
    if content_type is None:
        message = _l("Only PDF, PNG and JPEG files are accepted (judged by their content, not their name).")
        raise InspectionError("invalid", message, {"file": message})
    held = db.session.scalar(select(func.count()).select_from(ReportAttachment)
                             .where(ReportAttachment.report_id == report.id))
    if held >= MAX_PER_REPORT:
        message = _l("A report holds at most %(n)d files.", n=MAX_PER_REPORT)
        raise InspectionError("invalid", message, {"file": message})
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + KINDS[content_type][1]
    target = folder / stored
    partial = folder / (stored + ".part")
    with open(partial, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    transactions.after_rollback(lambda: target.unlink(missing_ok=True))
    row = ReportAttachment(report_id=report.id, uploaded_by_id=author.id, filename=clean_name(filename, content_type),
                           stored_name=stored, content_type=content_type, size=len(data),
                           sha256=hashlib.sha256(data).hexdigest(), created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def in_returned_versions(report_id: int) -> set[int]:
    """The ids of the report's files that a version returned for correction names (one query)."""
    snapshots = db.session.scalars(select(ReportVersion.snapshot).where(ReportVersion.report_id == report_id))
    return {item.get("id") for snap in snapshots for item in snap.get("attachments", [])}


def in_a_returned_version(attachment: ReportAttachment) -> bool:
    return attachment.id in in_returned_versions(attachment.report_id)


def removable(user: User, report: InspectionReport, files: list[ReportAttachment]) -> set[int]:
    """Which of the report's files `user` may remove now."""
    if user.id != report.author_id or report.status not in EDITABLE or not files:
        return set()
    kept = in_returned_versions(report.id)
    return {a.id for a in files if a.report_id == report.id and a.id not in kept}


def remove(author: User, attachment_id: int) -> None:
    """Remove a file the author attached, while the report is editable and no returned version names it.
    The row goes in the caller's transaction; the file goes once that transaction has committed."""
    attachment = db.session.get(ReportAttachment, attachment_id)
    if attachment is None:
        raise InspectionError("not_found", _l("There is no such file."), forbidden=True)
    _report_for_author(author, attachment.report_id)
    if in_a_returned_version(attachment):
        raise InspectionError("kept", _l("This file was part of a version returned for correction: it stays with "
                                         "the report."))
    path = path_of(attachment)
    db.session.delete(attachment)
    db.session.flush()
    transactions.after_commit(lambda: path.unlink(missing_ok=True))
