from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, ValidationError
from wtforms.validators import Optional

from trainer.evaluation.quarters import BadQuarter, Quarter
from trainer.forms import QueryForm


class EvaluationFilterForm(QueryForm):
    """The quarter (and, bank-wide, a department), read from the query string: a GET form, no CSRF token."""

    # Any quarter may be asked for by address; the list offers the recent ones.
    quarter = SelectField(_l("Quarter"), validate_choice=False, validators=[Optional()])
    department = SelectField(_l("Department"), validators=[Optional()])

    def __init__(self, *args, started=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = started  # Quarter -> bool

    def validate_quarter(self, field) -> None:
        if not field.data:
            return
        try:
            quarter = Quarter.parse(field.data)
        except BadQuarter:
            raise ValidationError(_l("Choose a quarter written like 2025-Q1.")) from None
        if self._started is not None and not self._started(quarter):
            raise ValidationError(_l("%(quarter)s has not started yet.", quarter=quarter.code))
