from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from trainer import errors, transactions
from trainer.auth import password_rules, services
from trainer.auth.forms import ChangePasswordForm, LoginForm
from trainer.extensions import login_manager

bp = Blueprint("auth", __name__)


def N_(message: str) -> str:
    """Mark a string for translation without translating it yet."""
    return message

login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(session_id: str):
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return services.load_user_for_session(session_id, identity_only=getattr(view, "identity_only", False))


# Translated when flashed, in the visitor's language (the msgid is marked for extraction here).
login_manager.login_message = N_("Please log in to see this page.")
login_manager.localize_callback = _


# Pages a person with a temporary password may still reach.
TEMPORARY_PASSWORD_ALLOWED = {"auth.change_password", "auth.logout", "static", "web.set_language", "web.health"}


@bp.before_app_request
def _temporary_password_first():
    """A temporary password (set by an administrator) is changed before anything else."""
    if request.endpoint in TEMPORARY_PASSWORD_ALLOWED or request.blueprint == "api":
        return None  # the API authenticates by token, not by this session
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    message = _("Please choose a new password before you go on.")
    if errors.wants_json():
        abort(403, description=message)
    flash(message, "warning")
    return redirect(url_for("auth.change_password"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = services.authenticate(form.login.data, form.password.data, request.remote_addr or "-")
        if outcome.ok:
            return start_session(outcome.user, remember=form.remember.data, next_url=request.args.get("next"))
        if outcome.password_login_off:
            form.login.errors.append(_("Password login is turned off here: use the bank's single sign-on."))
        elif outcome.locked_for_seconds:
            minutes = -(-outcome.locked_for_seconds // 60)
            form.login.errors.append(
                _("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes)
            )
        elif outcome.inactive:
            form.login.errors.append(_("This account is deactivated. Contact HR."))
        else:
            form.login.errors.append(_("Wrong employee number, email or password."))
    return render_template("auth/login.html", form=form, **sso_login_page()), (
        200 if request.method == "GET" or not form.errors else 422)


def sso_login_page() -> dict:
    """What the login page offers: the single sign-on button, and the password form unless local
    passwords are off (then only with ?password=1, for break-glass administrators and directory users)."""
    shown = password_rules.local_passwords_on() or password_rules.ldap_enabled() \
        or request.args.get("password") == "1" or request.method == "POST"
    return {"sso_enabled": password_rules.oidc_enabled(), "show_password_form": shown}


@bp.post("/logout")
@login_required
def logout():
    # Clearing the cookie is not enough: a copy of it (or of the remember
    # cookie) would still open the site. Moving the version on ends it here.
    services.end_sessions(current_user._get_current_object())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            changed = services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.PasswordPolicyError:
            transactions.discard_changes()
            form.new_password.errors.append(_("Choose a password that is not your employee number or email."))
        else:
            if changed:
                # The session version moved on: sign this session in again.
                login_user(current_user._get_current_object())  # the real object, not the proxy
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("web.dashboard"))
            form.current_password.errors.append(_("The current password is wrong."))
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


def start_session(user, *, remember: bool = False, next_url: str | None = None):
    """The one way a login starts a session, by password or single sign-on (trainer/sso):
    the session carries the person's session version, the language is saved, a temporary
    password is changed first, and only a local `next` is followed."""
    login_user(user, remember=remember)
    _remember_language(user)
    if user.must_change_password:
        flash(_("Please choose a new password before you go on."), "warning")
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(next_url))


def _remember_language(user) -> None:
    """A saved choice wins; otherwise the language the person is using now (a
    choice made before logging in, else the browser's) is saved, so that mail
    sent later speaks it too."""
    if user.locale:
        session["locale"] = user.locale
        return
    languages = current_app.config["LANGUAGES"]
    user.locale = session.get("locale") if session.get("locale") in languages else (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("web.dashboard")
