"""Filing an inspection from another bank system (POST /api/v1/inspections).

The JSON is turned into the same ReportContent the form produces and goes
through `inspections.services.file_report`, so the gate and every rule apply unchanged.
The report records the token it came with. Only a token bound to the author
submits: any other leaves a draft, and says the author must submit it in person.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from trainer.people.models import User
from trainer.auth.services import find_person
from trainer.api.models import ApiToken
from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.channel import Channel
from trainer.inspections.gate import GateRefused
from trainer.inspections.models import Loan
from trainer.inspections.services import AreaEntry, ReportContent
from trainer.params import parse_day
from trainer.refusals import Refusal


class _Invalid(Refusal):
    """A request body the filing API cannot use (before any rule is asked)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message, code, status=status)


def file_from_json(payload, token: ApiToken) -> tuple[dict, int]:
    """The response body and status for one filing request sent with `token`."""
    channel = Channel.api(token)
    try:
        author, loan, content, submit = _parse(payload)
        own = channel.speaks_for(author)
        # A refused filing takes back what it wrote (the draft made before its submission was refused), and
        # only that: the answer is a refusal body, not an error, so the rest of the request is committed.
        with db.session.begin_nested():
            report = services.file_report(author, loan, content, submit=submit and own, channel=channel)
    except Refusal as refusal:
        body = refusal.as_json()
        if isinstance(refusal, GateRefused):
            body["exams_url"] = url_for("exams.index", _external=True)
        if getattr(refusal, "report_id", None) is not None:  # duplicate_regular: the one filed for that month
            body["existing_report_url"] = url_for("inspections.report", report_id=refusal.report_id, _external=True)
        return body, refusal.status
    body = {"id": report.id, "status": report.status.value, "revision": report.revision,
            "url": url_for("inspections.report", report_id=report.id, _external=True),
            "channel": report.channel.value, "author_must_submit": not own}
    if not own:
        body["edit_url"] = url_for("inspections.edit_report", report_id=report.id, _external=True)
        body["message"] = _("Saved as a draft only: this token is not bound to the author, so the author must "
                            "open the report on the web and submit it in person.")
    return body, 201


def _text(payload: dict, key: str, required: bool = False) -> str:
    value = payload.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _Invalid(400, "invalid_request", _("'%(key)s' must be a non-empty string.", key=key) if required
                       else _("'%(key)s' must be a string.", key=key))
    return value


def _parse(payload) -> tuple[User, Loan, ReportContent, bool]:
    if not isinstance(payload, dict):
        raise _Invalid(400, "invalid_request", _("Send a JSON object."))
    loan_no, employee_no = _text(payload, "loan_no", True), _text(payload, "author_employee_no", True)
    day = parse_day(_text(payload, "inspection_date", True))
    if day is None:
        raise _Invalid(400, "invalid_date", _("'inspection_date' must be a date written YYYY-MM-DD."))
    submit = payload.get("submit", False)
    if not isinstance(submit, bool):
        raise _Invalid(400, "invalid_request", _("'submit' must be true or false."))
    content = ReportContent(kind=_text(payload, "kind", True), inspection_date=day, trigger=_text(payload, "trigger"),
                            conclusion=_text(payload, "conclusion"), areas=_areas(payload.get("areas")),
                            signals=_signals(payload.get("signals")))
    loan = db.session.scalar(select(Loan).where(Loan.loan_no == loan_no.strip()))
    if loan is None:
        raise _Invalid(404, "unknown_loan", _("No loan has that number."))
    author = find_person(employee_no)
    if author is None:
        raise _Invalid(404, "unknown_employee", _("No person has that employee number."))
    return author, loan, content, submit


def _areas(value) -> dict[str, AreaEntry]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid(400, "invalid_request", _("'areas' must map each area to {finding, rating, notes}."))
    areas = {}
    for code, entry in value.items():
        if not isinstance(entry, dict):
            raise _Invalid(400, "invalid_request", _("'areas' must map each area to {finding, rating, notes}."))
        rating = entry.get("rating")
        if rating is not None and not isinstance(rating, str):
            raise _Invalid(400, "invalid_request", _("An area's rating must be a string."))
        areas[str(code)] = AreaEntry(_text(entry, "finding"), rating or None, _text(entry, "notes"), _text(entry, "reason"))
    return areas


def _signals(value) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list) or not all(isinstance(s, dict) and isinstance(s.get("signal"), str) for s in value):
        raise _Invalid(400, "invalid_request", _("'signals' must be a list of {signal, note}."))
    signals = {}
    for item in value:
        if item["signal"] in signals:
            raise _Invalid(400, "invalid_request", _("Signal '%(code)s' is listed twice.", code=item["signal"]))
        signals[item["signal"]] = _text(item, "note")
    return signals
