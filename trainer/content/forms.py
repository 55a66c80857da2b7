from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class CompleteForm(FlaskForm):
    """Completing a module: the person confirms the policy's statement (its text is the label)."""

    confirm = BooleanField(validators=[DataRequired(message=_l("Confirm that you have read and understood the module."))])
