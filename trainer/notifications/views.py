"""The person's notifications: the dashboard panel, the full list, marking as read."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from trainer.forms import AppForm
from trainer.notifications.models import Notification
from trainer.notifications.outbox import mark_read, unread_for
from trainer.pagination import paginate
from trainer.params import query_int
from trainer.security import roles_required

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class ReadForm(AppForm):
    """Only the CSRF token."""


def _back() -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("notifications.index")


@bp.get("/")
@roles_required()
def index():
    query = (select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = paginate(query, request.args.get("page", 1, type=query_int))
    return render_template("notifications/index.html", page=page, form=ReadForm())


@bp.post("/<int:notification_id>/read")
@roles_required()
def read(notification_id: int):
    if not ReadForm().validate_on_submit():
        abort(400)
    mark_read(current_user.id, notification_id)
    return redirect(_back())


@bp.post("/read-all")
@roles_required()
def read_all():
    if not ReadForm().validate_on_submit():
        abort(400)
    mark_read(current_user.id)
    return redirect(_back())


def init_app(app: Flask) -> None:
    @app.context_processor
    def _panel():
        def notification_panel():
            rows, count = unread_for(current_user.id)
            return {"rows": rows, "count": count}  # its forms carry the token alone (csrf_token())

        return {"notification_panel": notification_panel}
