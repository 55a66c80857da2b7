"""Error pages for people, JSON errors for the API; never a stack trace."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from trainer.extensions import db
from trainer.refusals import Refusal


def wants_json() -> bool:
    """API paths, clients asking for JSON and requests sending JSON get JSON errors."""
    return (request.path.startswith("/api/") or request.is_json
            or request.accept_mimetypes.best == "application/json")


def _secure_cookie_not_sent() -> bool:
    """Over plain HTTP a browser neither keeps nor sends a secure cookie, so every
    form looks expired; say what is actually wrong."""
    return (bool(current_app.config.get("SESSION_COOKIE_SECURE")) and not request.is_secure
            and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies)


def _json_error(code: str, message: str, status: int, **extra):
    response = jsonify(error=code, message=message, **extra)
    response.status_code = status
    # An error answer is about this request only: no proxy or client may reuse it.
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        message = _("The form expired or was sent from another page. Reload the page and try again.")
        if _secure_cookie_not_sent():
            message = _("This site must be used over HTTPS: open it with an https:// address.")
        if wants_json():
            return _json_error("csrf", message, 400)
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(Refusal)
    def _refused(refusal: Refusal):
        # The request's unit of work has already rolled the change back (trainer/transactions.py).
        if wants_json():
            body = refusal.as_json()
            return _json_error(body.pop("error"), body.pop("message"), refusal.status, **body)
        return render_template("errors/error.html", code=refusal.status, message=str(refusal.message)), \
            refusal.status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if (error.code or 500) >= 500:
            # A failed flush or commit leaves the session unusable (PostgreSQL:
            # PendingRollbackError); roll back first: choosing the language of
            # the messages below already reads the signed-in person.
            db.session.rollback()
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have permission to see this page."),
            404: _("There is nothing at this address."),
            405: _("This address does not accept that kind of request."),
            413: _("The file is too large."),
            422: _("The data sent is not valid."),
            429: _("Too many requests. Wait a moment and try again."),
            500: _("Something went wrong on our side. The error has been logged."),
        }
        # A view may abort() with its own explanation; otherwise use ours.
        custom = error.description and error.description != type(error).description
        message = error.description if custom else messages.get(error.code or 500, error.name)
        if wants_json():
            return _json_error(error.name.lower().replace(" ", "_"), message, error.code)
        return render_template("errors/error.html", code=error.code, message=message), error.code
