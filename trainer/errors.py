"""Error pages for people, JSON errors for the API; never a stack trace."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        message = _("The form expired or was sent from another page. Reload the page and try again.")
        if _wants_json():
            return jsonify(error="csrf", message=message), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
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
        if _wants_json():
            return jsonify(error=error.name.lower().replace(" ", "_"), message=message), error.code
        return render_template("errors/error.html", code=error.code, message=message), error.code
