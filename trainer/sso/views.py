"""Single sign-on pages: off to the identity provider and back."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from trainer.auth import password_rules
from trainer.auth.views import start_session
from trainer.sso import oidc, services

bp = Blueprint("sso", __name__)
NEXT_KEY = "sso_next"


@bp.get("/login/sso")
def start():
    if not password_rules.oidc_enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    session[NEXT_KEY] = request.args.get("next") or ""
    try:
        return oidc.redirect_to_provider(url_for("sso.callback", _external=True))
    except oidc.SignOnFailed as error:
        current_app.logger.error("single sign-on could not start: %s", error)
        return _refused(_("The bank's sign-on service cannot be reached just now. Try again in a few "
                          "minutes; if it keeps failing, tell the IT service desk."), 503)


@bp.get("/login/sso/callback")
def callback():
    if not password_rules.oidc_enabled():
        abort(404)
    if request.args.get("error") == "access_denied":
        return _refused(_("The sign-on was cancelled. You can try again."), 403)
    try:
        claims = oidc.claims_from_callback()
    except oidc.SignOnFailed as error:
        current_app.logger.warning("single sign-on refused: %s", error)
        return _refused(_("The sign-on could not be completed (it may have expired or been opened twice). "
                          "Please start again."), 400)
    match = services.person_for_claims(claims)
    if match.user is None:
        messages = {
            services.Refusal.INACTIVE: _("This account is deactivated. Contact HR."),
            services.Refusal.UNVERIFIED_EMAIL: _(
                "The sign-on service has not verified your email address, so it cannot tell who you are here. "
                "Contact the IT service desk."),
        }
        message = messages.get(match.refusal, _(
            "You signed on as %(identity)s, but nobody with that email or employee number has an account "
            "here. Ask HR to add you; accounts are not created by signing on.",
            identity=str(claims.get("email") or claims.get("sub") or "?")))
        return _refused(message, 403)
    return start_session(match.user, next_url=session.pop(NEXT_KEY, None))


def _refused(message: str, status: int):
    return render_template("sso/refused.html", message=message), status
