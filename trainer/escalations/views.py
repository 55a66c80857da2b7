"""Escalations page: open escalations in the viewer's scope, acknowledgement and follow-up."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from trainer import refusals, transactions
from trainer.escalations import services
from trainer.escalations.forms import AcknowledgeForm, FollowUpForm
from trainer.escalations.models import Escalation
from trainer.escalations.policy import escalation_policy
from trainer.extensions import db
from trainer.security import roles_required

bp = Blueprint("escalations", __name__, url_prefix="/escalations")


def _require_page_access() -> None:
    if not services.may_open_escalations(current_user):
        abort(403)


def _visible(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        abort(404)
    if not services.can_view(current_user, escalation):
        abort(403)
    return escalation


@bp.get("/")
@roles_required()
def index():
    _require_page_access()
    locale = str(get_locale())
    open_rows = services.rows(current_user, services.open_escalations(current_user), locale)
    closed_rows = services.rows(current_user, services.recently_closed(current_user), locale)
    return render_template("escalations/index.html", open_rows=open_rows, closed_rows=closed_rows,
                           policy=escalation_policy(), ack_form=AcknowledgeForm())


@bp.get("/<int:escalation_id>")
@roles_required()
def escalation(escalation_id: int):
    _require_page_access()
    return _detail(escalation_id, FollowUpForm(formdata=None))


@bp.post("/<int:escalation_id>/follow-up")
@roles_required()
def follow_up(escalation_id: int):
    _require_page_access()
    if not services.is_recipient(current_user, _visible(escalation_id)):
        abort(403)
    form = FollowUpForm()
    if not form.validate():
        return _detail(escalation_id, form, 422)
    try:
        services.record_follow_up(current_user, escalation_id, form.action_taken.data, form.action_on.data)
    except services.EscalationError as error:
        if error.forbidden:
            abort(403)
        refusals.attach(form, error, message_above=True)
        return _detail(escalation_id, form, error.status)
    flash(_("Follow-up recorded."), "success")
    return redirect(url_for("escalations.escalation", escalation_id=escalation_id))


def _detail(escalation_id: int, form: FollowUpForm, status: int = 200):
    row = services.rows(current_user, [_visible(escalation_id)], str(get_locale()))[0]
    return render_template("escalations/escalation.html", row=row, form=form, ack_form=AcknowledgeForm(),
                           policy=escalation_policy()), status


@bp.post("/<int:escalation_id>/acknowledge")
@roles_required()
def acknowledge(escalation_id: int):
    _require_page_access()
    if not services.is_recipient(current_user, _visible(escalation_id)):
        abort(403)
    if not AcknowledgeForm().validate_on_submit():
        abort(400)
    try:
        services.acknowledge(current_user, escalation_id)
    except services.EscalationError as error:
        transactions.discard_changes()
        if error.forbidden:
            abort(403)
        flash(error.message, "warning")
    else:
        flash(_("Escalation acknowledged. Record the follow-up once action is taken."), "success")
    return redirect(url_for("escalations.escalation", escalation_id=escalation_id))


def init_app(app) -> None:
    @app.context_processor
    def _summary():
        def escalation_summary():
            """Open and overdue escalations in the viewer's scope, for dashboards; None for those without the page."""
            if not current_user.is_authenticated or not services.may_open_escalations(current_user):
                return None
            still_open, overdue = services.dashboard_counts(current_user)
            return {"open": still_open, "overdue": overdue}

        def can_open_escalations() -> bool:
            return current_user.is_authenticated and services.may_open_escalations(current_user)

        return {"escalation_summary": escalation_summary, "can_open_escalations": can_open_escalations}
