"""Forms for reports, reviews and the loan import. The report and review forms
are built from the policy files, so their areas, signals and criteria follow them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, Form, FormField, HiddenField, IntegerField, RadioField, SelectChoice,
                     SelectField, TextAreaField)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError

from trainer.forms import AppForm
from trainer.inspections.models import RaisedSignal, ReportKind, ReviewDecision
from trainer.inspections.policy import InspectionPolicy, Rubric
from trainer.inspections.review import ReviewInput
from trainer.inspections.services import NOTE_MAX, TEXT_MAX, AreaEntry, ReportContent

KIND_LABELS = {ReportKind.REGULAR.value: _l("Regular (monthly)"), ReportKind.IRREGULAR.value: _l("Irregular (after an event)")}


class AreaForm(Form):
    """One of the eight areas; part of the report form (the report form carries the CSRF token)."""

    finding = TextAreaField(_l("Finding"), validators=[Optional(), Length(max=TEXT_MAX)])
    rating = SelectField(_l("Rating"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT_MAX)])
    reason = TextAreaField(_l("Reason for a serious rating"), validators=[Optional(), Length(max=TEXT_MAX)],
                           description=_l("Needed for the worst rating unless you raise a warning signal of this area."))


class SignalForm(Form):
    raised = BooleanField(_l("Raise this signal"))
    note = TextAreaField(_l("What you saw"), validators=[Optional(), Length(max=NOTE_MAX)])


class _ReportForm(AppForm):
    kind = SelectField(_l("Kind of inspection"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    inspection_date = DateField(_l("Inspection date"), validators=[InputRequired(message=_l("Enter the date of the inspection."))])
    trigger = TextAreaField(_l("What triggered it"), validators=[Optional(), Length(max=TEXT_MAX)],
                            description=_l("Required for an irregular inspection."))
    conclusion = TextAreaField(_l("Overall conclusion"), validators=[Optional(), Length(max=TEXT_MAX)])
    revision = HiddenField()

    policy: InspectionPolicy

    def area_fields(self):
        return [(area, self[f"area_{area.code}"]) for area in self.policy.areas]

    def signal_fields(self):
        return [(signal, self[f"signal_{signal.code}"]) for signal in self.policy.signals.values()]

    def content(self) -> ReportContent:
        return ReportContent(
            kind=self.kind.data, inspection_date=self.inspection_date.data, trigger=self.trigger.data or "",
            conclusion=self.conclusion.data or "",
            areas={area.code: AreaEntry(sub.finding.data or "", sub.rating.data or None, sub.notes.data or "",
                                        sub.reason.data or "")
                   for area, sub in self.area_fields()},
            signals={signal.code: sub.note.data or "" for signal, sub in self.signal_fields() if sub.raised.data},
        )

    def field_for(self, key: str):
        """The field a service error about `key` belongs to ('fund_use.rating', 'signal.x', 'conclusion')."""
        head, _, tail = key.partition(".")
        if head == "signal":
            return self._fields.get(f"signal_{tail}") and self[f"signal_{tail}"].note
        if tail and f"area_{head}" in self._fields:
            return self[f"area_{head}"][tail] if tail in self[f"area_{head}"]._fields else None
        return self._fields.get(head)


def report_form(policy: InspectionPolicy, locale: str, content: ReportContent | None = None, revision: int = 0,
                **kwargs) -> _ReportForm:
    """The report form for the policy's areas and signals, filled from `content` on GET."""
    fields = {f"area_{a.code}": FormField(AreaForm, label=a.label(locale)) for a in policy.areas}
    fields |= {f"signal_{s.code}": FormField(SignalForm, label=s.label(locale)) for s in policy.signals.values()}
    form_class = type("ReportForm", (_ReportForm,), {**fields, "policy": policy})
    data = {"revision": revision}
    if content is not None:
        data |= {"kind": content.kind, "inspection_date": content.inspection_date, "trigger": content.trigger,
                 "conclusion": content.conclusion}
        for code, entry in content.areas.items():
            data[f"area_{code}"] = {"finding": entry.finding, "rating": entry.rating or "", "notes": entry.notes,
                                    "reason": entry.reason}
        for code, note in content.signals.items():
            data[f"signal_{code}"] = {"raised": True, "note": note}
    form = form_class(data=data, **kwargs)
    ratings = [SelectChoice("", _l("Choose a rating"))] + [SelectChoice(r.code, r.label(locale)) for r in policy.ratings.values()]
    for _area, sub in form.area_fields():
        sub.rating.choices = ratings
    return form


class _ReviewForm(AppForm):
    decision = RadioField(_l("Decision"), validate_choice=False, choices=[
        SelectChoice(ReviewDecision.ACCEPTED.value, _l("Accept the report")),
        SelectChoice(ReviewDecision.RETURNED.value, _l("Return it to the author for correction"))],
        validators=[InputRequired(message=_l("Choose whether to accept the report or return it.")),
                    AnyOf([d.value for d in ReviewDecision], message=_l("Choose whether to accept the report or return it."))])
    opinion = TextAreaField(_l("Your opinion"), validators=[InputRequired(message=_l("Write your opinion.")), Length(max=TEXT_MAX)])
    return_reasons = TextAreaField(_l("What must be corrected"), validators=[Length(max=TEXT_MAX)],
                                   description=_l("Required when you return the report."))

    rubric: Rubric
    signals: list[RaisedSignal]

    def validate_return_reasons(self, field) -> None:
        if self.decision.data == ReviewDecision.RETURNED.value and not (field.data or "").strip():
            raise ValidationError(_l("Say what the author must correct."))

    def score_fields(self):
        return [(criterion, self[f"score_{criterion.code}"]) for criterion in self.rubric.criteria]

    def signal_fields(self):
        return [(signal, self[f"signal_{signal.id}"]) for signal in self.signals]

    def review_input(self) -> ReviewInput:
        return ReviewInput(
            decision=self.decision.data or "", opinion=self.opinion.data or "",
            return_reasons=self.return_reasons.data or "",
            scores={criterion.code: field.data for criterion, field in self.score_fields()},
            confirmations={signal.id: field.data == "yes" for signal, field in self.signal_fields() if field.data},
        )

    def field_for(self, key: str):
        head, _, tail = key.partition(".")
        if head in ("score", "signal"):
            return self._fields.get(f"{head}_{tail}")
        return self._fields.get(head)


def review_form(rubric: Rubric, signals: list[RaisedSignal], signal_labels: dict[str, str], locale: str,
                **kwargs) -> _ReviewForm:
    fields = {}
    for c in rubric.criteria:
        message = _l("Give a whole number from 0 to %(max)d.", max=c.max)
        fields[f"score_{c.code}"] = IntegerField(c.label(locale), description=_l("0 to %(max)d", max=c.max),
                                                 validators=[InputRequired(message=message),
                                                             NumberRange(min=0, max=c.max, message=message)])
    for s in signals:
        fields[f"signal_{s.id}"] = RadioField(
            signal_labels.get(s.signal, s.signal), validate_choice=False,
            choices=[SelectChoice("yes", _l("Confirmed")), SelectChoice("no", _l("Not confirmed"))],
            validators=[InputRequired(message=_l("Say whether this signal is confirmed.")),
                        AnyOf(["yes", "no"], message=_l("Say whether this signal is confirmed."))])
    form_class = type("ReviewForm", (_ReviewForm,), {**fields, "rubric": rubric, "signals": signals})
    return form_class(**kwargs)


class DelegationForm(AppForm):
    """A supervisor's absence: who reviews in their place, from when to when."""

    delegate = SelectField(_l("Supervisor who reviews in your place"), coerce=int, validate_choice=False,
                           validators=[InputRequired(message=_l("Choose the supervisor who reviews in your place."))])
    starts_on = DateField(_l("First day away"), validators=[InputRequired(message=_l("Enter the first day of your absence."))])
    ends_on = DateField(_l("Last day away"), validators=[InputRequired(message=_l("Enter the last day of your absence."))])

    def field_for(self, key: str):
        return self._fields.get(key)


def delegation_form(choices: list, **kwargs) -> DelegationForm:
    form = DelegationForm(**kwargs)
    form.delegate.choices = [SelectChoice(user.id, user.full_name) for user in choices]
    return form


class CancelDelegationForm(AppForm):
    """Only the CSRF token."""


class EvidenceForm(AppForm):
    """One evidence file for a report (PDF, PNG or JPEG; checked by the service from its content)."""

    file = FileField(_l("Evidence file"), description=_l("PDF, PNG or JPEG."))


class RemoveEvidenceForm(AppForm):
    """Only the CSRF token: removing a file is a POST."""
