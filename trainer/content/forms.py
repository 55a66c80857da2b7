from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from trainer.forms import AppForm


class CompleteForm(AppForm):
    """Completing a module: the person confirms the policy's statement (its text is the label)."""

    confirm = BooleanField(validators=[DataRequired(message=_l("Confirm that you have read and understood the module."))])
