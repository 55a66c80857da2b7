from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from trainer.admin.forms import MultiCheckboxField
from trainer.forms import AppForm
from trainer.meetings.services import MAX_ANALYSIS, MeetingInput, SignalCandidate

NOT_DISCUSSED = "none"


class _MeetingForm(AppForm):
    held_on = DateField(_l("Date of the meeting"), validators=[InputRequired(message=_l("Enter the date of the meeting."))])
    attendees = MultiCheckboxField(_l("Attendees"), coerce=int, validate_choice=False)
    loans = MultiCheckboxField(_l("Loans and clients discussed"), coerce=int, validate_choice=False)
    analysis = TextAreaField(_l("Credit manager's analysis"), validators=[
        InputRequired(message=_l("Write the credit manager's analysis.")), Length(max=MAX_ANALYSIS)],
        description=_l("Guarantees, repayment capacity, fund flows, guarantee capacity and period, and anything "
                       "else that threatens the loans' safety."))

    candidates: list[SignalCandidate] = []

    def signal_fields(self):
        for candidate in self.candidates:
            yield candidate, self[f"signal_{candidate.signal.id}"], self[f"note_{candidate.signal.id}"]

    def meeting_input(self) -> MeetingInput:
        return MeetingInput(
            held_on=self.held_on.data, analysis=self.analysis.data or "", attendee_ids=list(self.attendees.data or []),
            loan_ids=list(self.loans.data or []),
            decisions={c.signal.id: (choice.data, note.data or "") for c, choice, note in self.signal_fields()
                       if choice.data and choice.data != NOT_DISCUSSED})

    def field_for(self, key: str):
        head, _, tail = key.partition(".")
        if head == "signal":
            return self._fields.get(f"signal_{tail}")
        return self._fields.get(head)


def meeting_form(candidates: list[SignalCandidate], signal_labels: dict[str, str], **kwargs) -> _MeetingForm:
    fields = {}
    for c in candidates:
        fields[f"signal_{c.signal.id}"] = RadioField(
            signal_labels.get(c.signal.signal, c.signal.signal), default=NOT_DISCUSSED, validate_choice=False,
            choices=[SelectChoice(NOT_DISCUSSED, _l("Not discussed")), SelectChoice("confirmed", _l("Confirmed")),
                     SelectChoice("dismissed", _l("Dismissed"))],
            validators=[Optional(), AnyOf([NOT_DISCUSSED, "confirmed", "dismissed"],
                                          message=_l("Choose confirmed or dismissed."))])
        fields[f"note_{c.signal.id}"] = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])
    form_class = type("MeetingForm", (_MeetingForm,), {**fields, "candidates": candidates})
    return form_class(**kwargs)
