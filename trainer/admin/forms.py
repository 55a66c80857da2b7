from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from trainer.forms import AppForm
from trainer.people.models import Role
from trainer.auth.services import MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    Role.STAFF: _l("Staff"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Administrator"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(AppForm):
    employee_no = StringField(_l("Employee number"), validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l("Letters, digits, '.', '_' and '-' only.")),
    ])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    active = BooleanField(_l("Active"), default=True)
    locale = SelectField(_l("Language"), validate_choice=False,
                         choices=[SelectChoice("", _l("Not chosen yet (the browser's)")),
                                  SelectChoice("es", "Español"), SelectChoice("en", "English")],
                         description=_l("The language of the person's pages and email."))
    password = PasswordField(_l("Temporary password"), validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
                             description=_l("The person must change it at the first login."))


class ResetPasswordForm(AppForm):
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])


class DepartmentForm(AppForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l("Letters, digits, '.', '_' and '-' only.")),
    ])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)
