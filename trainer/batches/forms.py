from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from trainer.admin.forms import MultiCheckboxField
from trainer.batches.services import NAME_MAX
from trainer.forms import AppForm


class MembersForm(AppForm):
    """The ways to pick people; any combination, all added together."""

    people = SelectMultipleField(_l("People"), coerce=int, validators=[Optional()],
                                 description=_l("Hold Ctrl (Cmd on a Mac) to pick several."))
    department = SelectField(_l("Everyone in a department"), validators=[Optional()])
    expiring_before = DateField(_l("Everyone whose certificate of this qualification expires before"),
                                validators=[Optional()], description=_l("For a recertification batch."))
    file = FileField(_l("CSV of employee numbers"),
                     description=_l("A column named <code>employee_no</code>; the file is taken whole or not at all."))


class BatchForm(MembersForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the batch a name.")), Length(max=NAME_MAX)])
    qualification = SelectField(_l("Qualification it leads to"), validators=[DataRequired()])
    modules = MultiCheckboxField(_l("Modules"), coerce=int, validators=[Optional()],
                                 description=_l("None ticked: the modules of the qualification."))
    starts_on = DateField(_l("Start date"), validators=[InputRequired(message=_l("Enter the start date."))])
    due_on = DateField(_l("Due date"), validators=[InputRequired(message=_l("Enter the due date."))])
