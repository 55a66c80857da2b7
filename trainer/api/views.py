"""Eligibility API for other bank systems: /api/v1/…

Callers authenticate with `Authorization: Bearer trn_…`; a browser's login
session grants nothing here.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from trainer.api import services
from trainer.certification import services as certification

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, code: str, message: str, **headers: str):
    response = jsonify(error=code, message=message)
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.after_request
def _never_cache(response):
    # Answers change with every grant, suspension or revocation.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health")
def health():
    return jsonify(status="ok")


@bp.get("/eligibility/<employee_no>")
def eligibility(employee_no: str):
    header = request.headers.get("Authorization")
    if services.authenticate(header) is None:
        challenge = 'Bearer realm="trainer"' + (', error="invalid_token"' if header else "")
        return _error(401, "unauthorized", _("A valid API token is required."), **{"WWW-Authenticate": challenge})
    on = request.args.get("on")
    day = certification.today() if on is None else services.parse_day(on)
    if day is None:
        return _error(400, "invalid_date", _("'on' must be a date written YYYY-MM-DD."))
    qualification = request.args.get("qualification") or None
    try:
        answer = services.eligibility(employee_no, qualification, day)
    except services.UnknownQualification:
        return _error(400, "unknown_qualification", _("There is no qualification '%(code)s'.", code=qualification))
    except services.UnknownEmployee:
        return _error(404, "unknown_employee", _("No person has that employee number."))
    return jsonify(answer)


@bp.post("/inspections")
def create_inspection():
    """File an inspection report for a person, through the same rules and gate as the form."""
    from trainer.inspections.api import file_from_json

    header = request.headers.get("Authorization")
    if services.authenticate(header) is None:
        challenge = 'Bearer realm="trainer"' + (', error="invalid_token"' if header else "")
        return _error(401, "unauthorized", _("A valid API token is required."), **{"WWW-Authenticate": challenge})
    body, status = file_from_json(request.get_json(silent=True))
    return jsonify(body), status
