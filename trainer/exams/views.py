"""Exams: the qualification overview, sitting an attempt, results and review.

The attempt page works without JavaScript (a form with every question and a
"save" button); with it, answers autosave as they change and a countdown runs.
The deadline is the server's: the page only displays it.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from trainer import transactions
from trainer.certification import services as certification
from trainer.content.services import titles as content_titles
from trainer.exams import answering, services
from trainer.exams.models import AttemptStatus
from trainer.exams.presenters import ERROR_MESSAGES, attempt_rules, clock, extra_attempts_note, present_items, review_items
from trainer.security import identity_only, roles_required
from trainer.timeutil import utcnow
from trainer.params import query_int

bp = Blueprint("exams", __name__, url_prefix="/exams")


@bp.get("/")
@roles_required()
def index():
    locale = str(get_locale())
    rows = [(standing, services.eligibility(current_user, standing.qualification.code))
            for standing in certification.standings(current_user.id)]
    return render_template(
        "exams/index.html", rows=rows, attempts=services.attempts_of(current_user.id),
        qualification_titles={code: q.title(locale) for code, q in certification.definitions().items()},
        module_titles={module_id: text.title for module_id, text in content_titles(locale).items()},
        rules={code: attempt_rules(q.exam) for code, q in certification.definitions().items() if q.exam},
        extra_note=extra_attempts_note,
    )


@bp.post("/<code>/start")
@roles_required()
def start(code: str):
    if code not in certification.definitions():
        abort(404)
    try:
        attempt = services.start_attempt(current_user, code)
    except services.ExamError:
        transactions.discard_changes()
        flash(_("You cannot start this exam yet: see what is missing below."), "warning")
        return redirect(url_for("exams.index"))
    return redirect(url_for("exams.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@roles_required()
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    attempt = services.close_if_overdue(attempt)
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    items = present_items(services.items_of(attempt), str(get_locale()))
    qualification = certification.definition(attempt.qualification)
    return render_template("exams/attempt.html", attempt=attempt, items=items, qualification=qualification,
                           answered=sum(1 for i in items if i.selected), policy=qualification.exam,
                           clock=clock(attempt, utcnow()))


@bp.post("/attempts/<int:attempt_id>/answers")
@identity_only
@transactions.one_write
@roles_required()
def save(attempt_id: int):
    """Autosave (JSON) or the no-script "save" button (form)."""
    wants_json = request.is_json
    try:
        saved = answering.record_answers(current_user, attempt_id, _answers_from_request(attempt_id))
    except services.ExamError as error:
        return _refused(error, attempt_id, wants_json)
    if wants_json:  # with the clock, so a page left open re-syncs its countdown on every save
        return jsonify(answered=saved.answered, **clock(saved, utcnow()))
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("exams.attempt", attempt_id=attempt_id))


@bp.post("/attempts/<int:attempt_id>/submit")
@identity_only
@roles_required()
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    try:
        answers = _answers_from_request(attempt_id)
        if answers and attempt.status is AttemptStatus.IN_PROGRESS:  # none given: nothing to save
            answering.save_answers(current_user, attempt_id, answers, submitting=True)
    except services.ExamError as error:
        if error.code not in ("time_up", "closed"):  # late answers are ignored; the attempt is graded as saved
            return _refused(error, attempt_id, wants_json=False)
    attempt = services.submit(current_user, attempt_id)
    if attempt.closed_by == "deadline":
        flash(_("Time was up: your answers saved before the deadline were graded."), "warning")
    return redirect(url_for("exams.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@roles_required()
def result(attempt_id: int):
    attempt = services.close_if_overdue(_own_attempt(attempt_id))
    if attempt.status is not AttemptStatus.SUBMITTED:
        return redirect(url_for("exams.attempt", attempt_id=attempt.id))
    items = review_items(attempt, services.items_of(attempt), str(get_locale()))
    qualification = certification.definition(attempt.qualification)
    return render_template("exams/result.html", attempt=attempt, items=items, qualification=qualification,
                           rules=attempt_rules(qualification.exam) if qualification.exam else [],
                           standing=certification.standing(current_user.id, attempt.qualification))


def _own_attempt(attempt_id: int):
    try:
        return services.attempt_for(current_user, attempt_id)
    except services.ExamError:
        abort(404)


def _answers_from_request(attempt_id: int) -> dict[int, list[str]]:
    """JSON: {"answers": {"3": ["a"]}} changes only the positions given.
    Form: fields q-<position>; the form holds every question, so a missing one means unanswered."""
    if request.is_json:
        data = request.get_json(silent=True)
        raw = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            raise services.ExamError("bad_request")
        answers = {}
        for key, value in raw.items():
            value = [] if value is None else value
            if not isinstance(value, list) or not all(isinstance(o, str) for o in value) or not str(key).isdigit():
                raise services.ExamError("bad_request")
            answers[int(key)] = value
        return answers
    positions = request.form.getlist("positions", type=query_int)
    return {p: request.form.getlist(f"q-{p}") for p in positions}


def _refused(error: services.ExamError, attempt_id: int, wants_json: bool):
    """The refusal answered; the request keeps nothing unless the refusal says so (an overdue attempt closed)."""
    transactions.discard_changes(error)
    if error.code == "not_found":
        abort(404)
    message = ERROR_MESSAGES.get(error.code, ERROR_MESSAGES["bad_request"])()
    status = 409 if error.code in ("time_up", "closed") else 400
    if wants_json:
        return jsonify(error=error.code, message=message), status
    flash(message, "danger")
    target = "exams.result" if error.code in ("time_up", "closed") else "exams.attempt"
    return redirect(url_for(target, attempt_id=attempt_id))
