"""Language choice: the person's saved preference, else the session's, else the browser's."""
from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _inject_locale():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
