"""The API for other bank systems: /api/v1/…

Callers authenticate with `Authorization: Bearer trn_…`; a browser's login
session grants nothing here. Each endpoint names the scope it needs
(`requires`); the OpenAPI document (openapi.yaml) describes them all.
"""
from __future__ import annotations

import logging
from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from trainer import transactions
from trainer.api import openapi, services
from trainer.api.scopes import Scope
from trainer.certification import services as certification
from trainer.api.inspection_filing import file_from_json
from trainer.params import parse_day

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None, **fields):
    response = jsonify(error=code, message=message, **fields)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def requires(scope: Scope):
    """The view answers only a live token carrying `scope` (RFC 6750: 401 without one, 403 for too little);
    the token is in `g.api_token`."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            header = request.headers.get("Authorization")
            token = services.authenticate(header)
            if token is None:
                challenge = 'Bearer realm="trainer"' + (', error="invalid_token"' if header else "")
                return _error(401, "unauthorized", _("A valid API token is required."), {"WWW-Authenticate": challenge})
            # Counted last, just before the request commits (see services.count_use); only a request that
            # writes nothing may commit lazily.
            read_only = request.method in READ_ONLY_METHODS
            if scope not in token.granted:
                log.info("API token %s refused on %s: lacks scope %s", token.id, request.path, scope.value)
                challenge = f'Bearer realm="trainer", error="insufficient_scope", scope="{scope.value}"'
                services.count_use(token, read_only=True)
                return _error(403, "insufficient_scope",
                              _("This token may not do this: it needs the scope '%(scope)s'.", scope=scope.value),
                              {"WWW-Authenticate": challenge}, scope=scope.value)
            g.api_token = token
            answer = view(*args, **kwargs)
            services.count_use(token, read_only=read_only)
            return answer
        checked.required_scope = scope
        return checked
    return decorate


@bp.after_request
def _never_cache(response):
    # Answers change with every grant, suspension or revocation.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health")
def health():
    return jsonify(status="ok")


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/eligibility/<employee_no>")
@transactions.one_write  # reads, then the token's use counted: no BEGIN and COMMIT round trips on PostgreSQL
@requires(Scope.ELIGIBILITY_READ)
def eligibility(employee_no: str):
    on = request.args.get("on")
    day = certification.today() if on is None else parse_day(on)
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


@bp.post("/eligibility:batch")
@transactions.one_write
@requires(Scope.ELIGIBILITY_READ)
def eligibility_batch():
    """The single form's answer for many employees at once (`employee_nos`, optional `qualification`, `on`)."""
    body = request.get_json(silent=True)
    numbers = body.get("employee_nos") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) and 0 < len(n) <= 64 for n in numbers):
        return _error(400, "invalid_request", _("Send a JSON object whose 'employee_nos' is a list of employee numbers."))
    if len(numbers) > services.MAX_BATCH:
        return _error(413, "too_many_employees", _("Ask about at most %(count)d employees in one request.",
                                                   count=services.MAX_BATCH), max_batch=services.MAX_BATCH)
    on = body.get("on")
    day = certification.today() if on is None else parse_day(on) if isinstance(on, str) else None
    if day is None:
        return _error(400, "invalid_date", _("'on' must be a date written YYYY-MM-DD."))
    qualification = body.get("qualification") or None
    if qualification is not None and not isinstance(qualification, str):
        return _error(400, "unknown_qualification", _("There is no qualification '%(code)s'.", code=str(qualification)[:40]))
    try:
        answer = services.eligibility_batch(numbers, qualification, day)
    except services.UnknownQualification:
        return _error(400, "unknown_qualification", _("There is no qualification '%(code)s'.", code=qualification[:40]))
    return jsonify(answer)


@bp.post("/inspections")
@requires(Scope.INSPECTIONS_WRITE)
def create_inspection():
    """File an inspection report for a person, through the same rules and gate as the form."""
    body, status = file_from_json(request.get_json(silent=True), g.api_token)
    return jsonify(body), status
