"""Site-wide pages: the dashboard, the language switch and a health check."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from trainer.certification import services as certification
from trainer.content import services as content_services
from trainer.security import identity_only
from trainer.transactions import read_only

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/dashboard")
@read_only
@identity_only  # the most visited page: the session's person without ORM objects
@login_required
def dashboard():
    progress = content_services.progress_for(current_user)
    return render_template("dashboard.html", progress=progress, standings=certification.standings(current_user.id))


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(_back_to_same_site())


@bp.get("/healthz")
def health():
    """Bare endpoint: no database, no template. Benchmarks compare against it."""
    return jsonify(status="ok")


def _back_to_same_site() -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("web.index")


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response
