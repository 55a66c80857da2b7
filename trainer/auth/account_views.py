"""Pages for invitations, "forgot password" and the set-password links."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user, user_logged_in

from trainer import transactions
from trainer.auth import account_tokens, invitations, password_reset
from trainer.auth.account_forms import ForgotPasswordForm, SetPasswordForm
from trainer.auth.account_mail import LINK_PATHS
from trainer.auth.account_tokens import Purpose, TokenInvalid
from trainer.people.models import Role, User
from trainer.auth.services import PasswordPolicyError
from trainer.extensions import db
from trainer.security import roles_required
from trainer.timeutil import utcnow

bp = Blueprint("account", __name__)


@user_logged_in.connect
def _note_login(_app, user, **_extra) -> None:
    """Every login (password, link, single sign-on) notes when: the users list shows who never logged in.
    Committed with the login's request."""
    user.last_login_at = utcnow()


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        outcome = password_reset.request_reset(form.email.data, request.remote_addr or "-")
        if not outcome.accepted:
            minutes = -(-outcome.throttled_for_seconds // 60)
            form.email.errors.append(_("Too many requests. Try again in %(minutes)d minutes.", minutes=minutes))
            return render_template("auth/forgot_password.html", form=form), 429
        # The same page whether or not the address is anyone's.
        return render_template("auth/forgot_password.html", form=None)
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route(LINK_PATHS[Purpose.INVITATION] + "<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password(token, Purpose.INVITATION)


@bp.route(LINK_PATHS[Purpose.PASSWORD_RESET] + "<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password(token, Purpose.PASSWORD_RESET)


def _set_password(token: str, purpose: Purpose):
    try:
        person = account_tokens.check(token, purpose)
    except TokenInvalid:
        return _no_referrer(render_template("auth/set_password.html", form=None, purpose=purpose.value), 404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            account_tokens.redeem(token, purpose, form.new_password.data)
        except PasswordPolicyError:
            transactions.discard_changes()
            form.new_password.errors.append(_("Choose a password that is not your employee number or email."))
        except TokenInvalid:
            transactions.discard_changes()
            return _no_referrer(render_template("auth/set_password.html", form=None, purpose=purpose.value), 404)
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    page = render_template("auth/set_password.html", form=form, person=person, purpose=purpose.value)
    return _no_referrer(page, 422 if form.errors else 200)


def _no_referrer(page: str, status: int):
    """The link's secret is in the address: never send it on to another page in a Referer header."""
    return page, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


# --- sending invitations (HR, administrators) ------------------------------------------

@bp.post("/people/<int:user_id>/invitation")
@roles_required(Role.HR, Role.ADMIN)
def invite_person(user_id: int):
    person = db.get_or_404(User, user_id)
    try:
        report = invitations.invite(person, current_user)
    except invitations.InvitationRefused as refused:
        transactions.discard_changes()
        flash(_("%(name)s is deactivated and cannot be invited.", name=person.full_name) if refused.code == "inactive"
              else _("%(name)s logs in with single sign-on: no password to set.", name=person.full_name), "danger")
    else:
        _flash_report(report)
    return redirect(_back(url_for("admin.edit_user", user_id=person.id)
                          if current_user.has_role(Role.ADMIN) else url_for("hr.person", user_id=person.id)))


@bp.post("/people/invitations")
@roles_required(Role.HR, Role.ADMIN)
def invite_uninvited():
    _flash_report(invitations.invite_uninvited(current_user))
    return redirect(_back(url_for("hr.import_people")))


def _flash_report(report: invitations.InvitationReport) -> None:
    if not report.invited:
        flash(_("Nobody to invite: everyone has logged in or holds an invitation that still works."), "info")
        return
    flash(ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.",
                   len(report.invited)), "success")


def _back(default: str) -> str:
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return default
