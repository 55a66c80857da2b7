from __future__ import annotations

from flask_babel import lazy_gettext as _l
import re
import uuid

from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from trainer.forms import AppForm
from trainer.ledger.services import REASON_MAX


def _optional_int(value) -> int | None:
    return None if value in (None, "") else int(value)


def _well_formed_key(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"[0-9a-f]{32}", value) else None


def idempotency_field() -> HiddenField:
    """A key made when the form is first shown and sent back with it, so the
    service can tell a retried request from a new one (a bad key: none)."""
    return HiddenField(default=lambda: uuid.uuid4().hex, filters=[_well_formed_key])


class EntryForm(AppForm):
    """Person, category and points are checked by the service, which knows the
    department rule and each category's range and says why."""

    idempotency_key = idempotency_field()
    person_id = SelectField(_l("Person"), coerce=_optional_int, validate_choice=False,
                            validators=[InputRequired(message=_l("Choose a person."))])
    category = SelectField(_l("Category"), validate_choice=False,
                           validators=[InputRequired(message=_l("Choose a category."))])
    points = IntegerField(_l("Points"), validators=[InputRequired(message=_l("Enter the points as a whole number."))],
                          description=_l("A positive number within the category's range; sanctions count against the person."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give a written reason.")),
                                                     Length(max=REASON_MAX)])
    inspection_id = IntegerField(_l("Inspection number (optional)"),
                                 validators=[Optional(), NumberRange(min=1, message=_l("Enter an inspection number."))],
                                 description=_l("Link the inspection this is about, if any: one filed by this person."))


class ReverseForm(AppForm):
    idempotency_key = idempotency_field()
    reason = TextAreaField(_l("Why is this entry being corrected?"),
                           validators=[DataRequired(message=_l("Give a written reason.")), Length(max=REASON_MAX)])
