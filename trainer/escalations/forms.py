from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from trainer.escalations.services import ACTION_MAX
from trainer.forms import AppForm


class AcknowledgeForm(AppForm):
    """Only the CSRF token: who and when come from the session and the clock."""


class FollowUpForm(AppForm):
    action_taken = TextAreaField(_l("Action taken"), validators=[DataRequired(message=_l("Say what action was taken.")),
                                                                 Length(max=ACTION_MAX)])
    action_on = DateField(_l("Date of the action"),
                          validators=[InputRequired(message=_l("Give the date the action was taken."))],
                          description=_l("Not in the future."))
