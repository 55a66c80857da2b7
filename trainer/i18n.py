"""Language choice: the person's saved preference, else the session's, else the browser's."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session

CLI_LOCALE = "en"  # commands speak the source language, like their --help


def select_locale() -> str:
    if not has_request_context():
        return CLI_LOCALE
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):  # systems, not people: English unless they ask otherwise
        return request.accept_languages.best_match(languages) or CLI_LOCALE
    # Read the user only if Flask-Login already loaded it: loading it here would
    # recurse when the loader itself needs a translated message.
    user = g.get("_login_user")
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    from trainer import formatting

    formatting.init_app(app)  # dates, times, numbers and the names of codes, one style each

    @app.context_processor
    def _inject_locale():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
