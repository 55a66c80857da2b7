from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from trainer.forms import AppForm
from trainer.hr.matrix import MAX_WITHIN_DAYS, STATE_LABELS
from trainer.forms import QueryForm


class MatrixFilterForm(QueryForm):
    """The matrix filters, read from the query string (a GET form: no CSRF token)."""

    q = StringField(_l("Name or employee number"), validators=[Optional(), Length(max=100)])
    department = SelectField(_l("Department"), validators=[Optional()])
    qualification = SelectField(_l("Qualification"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()],
                        choices=[SelectChoice("", _l("Any state"))] + [SelectChoice(s, label) for s, label in STATE_LABELS.items()])
    within = IntegerField(_l("Expiring within (days)"), validators=[
        Optional(), NumberRange(min=1, max=MAX_WITHIN_DAYS,
                                message=_l("Enter a number of days from 1 to %(max)d.", max=MAX_WITHIN_DAYS))])


class QualificationChangeForm(AppForm):
    """Suspend or revoke one qualification; both need a reason for the record."""

    qualification = SelectField(_l("Qualification"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)])


class AccommodationForm(AppForm):
    extra_percent = IntegerField(_l("Extra time (%)"), validators=[
        InputRequired(message=_l("Enter a percentage from 1 to 200.")),
        NumberRange(min=1, max=200, message=_l("Enter a percentage from 1 to 200."))],
        description=_l("50 means half as much time again."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)])
