from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from trainer.admin.forms import MultiCheckboxField
from trainer.api.scopes import LABELS, Scope
from trainer.forms import AppForm


class TokenForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("The system that will use it, e.g. \"Loan servicing\"."))
    scopes = MultiCheckboxField(_l("What it may do"), choices=[SelectChoice(s.value, LABELS[s]) for s in Scope],
                                default=[Scope.ELIGIBILITY_READ.value])
    bound_employee_no = StringField(
        _l("Bound to (employee number)"), validators=[Optional(), Length(max=32)],
        description=_l("Optional. The only person the token may submit inspection reports for. Without it, reports "
                       "it files stay drafts that the author must open and submit in person."))

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one scope."))
