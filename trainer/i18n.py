"""Language choice (the person's saved preference, else the session's, else the browser's) and the
translations templates read their words from."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from jinja2 import pass_context
from markupsafe import Markup

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


def page_translations():
    """The translations of the language in force. Flask-Babel finds them through several lookups on
    every message, and a page asks for dozens: found once per request (or command) and language here.
    `force_locale`, with which mail is written in each recipient's language, changes the locale, and
    so what is found."""
    from flask_babel import get_locale, get_translations

    locale = get_locale()
    held = g.get("_page_translations")
    if held is None or held[0] is not locale:
        held = (locale, get_translations())
        g._page_translations = held
    return held[1]


def _bound_gettext(translations) -> dict:
    """The page's _(), ngettext(): Jinja's i18n extension looks them up in the context before the
    environment's, so a render gets them bound to its translations, as Jinja's own newstyle functions
    (autoescaped, always %-formatted) but without finding the translations again on every message.
    Templates rendered without Flask's context processors use the environment's, above: same words."""
    @pass_context
    def gettext(context, string: str, **variables):
        return _formatted(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        return _formatted(context, translations.ungettext(singular, plural, num), variables)

    return {"gettext": gettext, "ngettext": ngettext}


def _formatted(context, text: str, variables: dict) -> str:
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    from trainer import formatting

    formatting.init_app(app)  # dates, times, numbers and the names of codes, one style each
    # Templates' _(), ngettext(), pgettext(), as Flask-Babel installs them, through page_translations.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def _inject_locale():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"],
                **_bound_gettext(page_translations())}
