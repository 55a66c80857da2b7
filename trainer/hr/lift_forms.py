from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from trainer.forms import AppForm


class LiftRequestForm(AppForm):
    """Ask for a suspension to be lifted: what the investigation found."""

    qualification = SelectField(_l("Qualification"), validators=[DataRequired()])
    reason = TextAreaField(_l("What the investigation found"), validators=[
        DataRequired(message=_l("Give a reason.")), Length(max=2000)])


class LiftDecisionForm(AppForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("Required to reject."))
    approve = SubmitField(_l("Approve and lift"))
    reject = SubmitField(_l("Reject"))
