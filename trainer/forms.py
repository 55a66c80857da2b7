"""Form pieces every feature shares."""
from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def _wtforms_messages(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("This field is required.") in the page's language. Flask-WTF reads
    them from disk on every request that builds a form; they are read once per process here."""

    def gettext(self, string: str) -> str:
        return _wtforms_messages(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_messages(str(get_locale())).ungettext(singular, plural, n)


_MESSAGES = _WTFormsMessages()


class AppForm(FlaskForm):
    """Every form of the product: Flask-WTF's (CSRF), with WTForms' messages kept per language."""

    class Meta:
        def get_translations(self, form):
            return _MESSAGES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class QueryForm(AppForm):
    """A filter read from the query string (a GET form: no CSRF token).

    Every value is stripped before validation: `Optional()` lets a
    whitespace-only value through unchecked, so without this " " would reach
    the view as a department id or a quarter instead of meaning "any".
    """

    class Meta:
        csrf = False

        def bind_field(self, form, unbound_field, options):
            options["filters"] = [*unbound_field.kwargs.get("filters", ()), _strip]
            return unbound_field.bind(form=form, **options)
