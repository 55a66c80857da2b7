"""Form pieces every feature shares."""
from __future__ import annotations

from flask_wtf import FlaskForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class QueryForm(FlaskForm):
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
