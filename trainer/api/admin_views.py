"""Admin pages to issue and revoke API tokens."""
from __future__ import annotations

from typing import Literal

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from trainer.api import services
from trainer.api.forms import TokenForm
from trainer.people.models import Role, User
from trainer.auth.services import find_person
from trainer.api.models import ApiToken
from trainer.extensions import db
from trainer.security import roles_required

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")


@bp.get("/")
@roles_required(Role.ADMIN)
def tokens():
    return render_template("api/tokens.html", rows=services.token_rows())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_token():
    form = TokenForm()
    bound = _bound_person(form) if form.validate_on_submit() else False
    if bound is not False:
        token, plaintext = services.issue_token(form.name.data, current_user, form.scopes.data, bound)
        # The only copy of the secret: keep it out of browser and proxy caches.
        page = render_template("api/token_issued.html", token=token, plaintext=plaintext)
        return page, 200, {"Cache-Control": "no-store"}
    return render_template("api/token_form.html", form=form), 422 if form.errors else 200


def _bound_person(form: TokenForm) -> User | None | Literal[False]:
    """The person the token is to be bound to, None for nobody, False (with the field's error) for an unknown number."""
    employee_no = (form.bound_employee_no.data or "").strip()
    if not employee_no:
        return None
    person = find_person(employee_no)
    if person is None:
        form.bound_employee_no.errors.append(_("No person has that employee number."))
        return False
    return person


@bp.post("/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    services.revoke_token(token, current_user)  # CSRF is checked app-wide before this runs
    flash(_("Token “%(name)s” revoked: the API refuses it from now on.", name=token.name), "success")
    return redirect(url_for("api_admin.tokens"))
