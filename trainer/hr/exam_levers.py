"""The person page's exam levers: HR or an administrator grants one extra attempt or resets
the cooldown for one qualification, with a reason. Rules: exams/services.py (eligibility,
grant_extra_attempt, reset_cooldown); every grant is in the audit trail."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from trainer import transactions
from trainer.forms import AppForm
from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.exams import services as exams
from trainer.exams.models import AllowanceKind
from trainer.extensions import db
from trainer.hr.views import _locale, _render_person, _visible_person, bp
from trainer.security import roles_required


class ExamLeverForm(AppForm):
    qualification = SelectField(_l("Qualification"), validators=[DataRequired()])
    lever = RadioField(_l("Action"), validators=[DataRequired(message=_l("Choose what to grant."))], choices=[
        SelectChoice(AllowanceKind.EXTRA_ATTEMPT.value, _l("One extra attempt")),
        SelectChoice(AllowanceKind.COOLDOWN_RESET.value, _l("Reset the wait after the last failed attempt"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)])


def lever_form(formdata=None) -> ExamLeverForm:
    kwargs = {} if formdata is not False else {"formdata": None}
    form = ExamLeverForm(prefix="lever", **kwargs)
    form.qualification.choices = [SelectChoice(q.code, q.title(_locale()))
                                  for q in certification.definitions().values() if q.exam is not None]
    return form


def kind_labels() -> dict[str, str]:
    return {AllowanceKind.EXTRA_ATTEMPT.value: _("Extra attempt"),
            AllowanceKind.COOLDOWN_RESET.value: _("Cooldown reset")}


def _refusal(code: str) -> str:
    return {
        "reason_required": _("Give a reason."),
        "self": _("You cannot grant this to yourself: another HR person or an administrator must."),
        "no_cooldown": _("There is no wait to reset: the person may already start this exam."),
        "no_exam": _("This qualification has no exam."),
    }.get(code, _("The change was refused."))


@bp.post("/<int:user_id>/exam-lever")
@roles_required(Role.HR, Role.ADMIN)
def grant_exam_lever(user_id: int):
    person = _visible_person(user_id)
    form = lever_form()
    if not form.validate_on_submit():
        return _render_person(person, 422, _("Choose the qualification and the action, and give a reason."), "lever")
    grant = exams.grant_extra_attempt if form.lever.data == AllowanceKind.EXTRA_ATTEMPT.value else exams.reset_cooldown
    try:
        grant(person, form.qualification.data, form.reason.data, current_user)
    except exams.ExamError as error:
        transactions.discard_changes()
        return _render_person(person, 422, _refusal(error.code), "lever")
    title = certification.definitions()[form.qualification.data].title(_locale())
    if form.lever.data == AllowanceKind.EXTRA_ATTEMPT.value:
        flash(_("%(name)s has one extra attempt at the %(qualification)s exam.", name=person.full_name,
                qualification=title), "success")
    else:
        flash(_("%(name)s may start the %(qualification)s exam again without waiting.", name=person.full_name,
                qualification=title), "success")
    return redirect(url_for("hr.person", user_id=person.id))


def person_page_extras(person: User) -> dict:
    """The grants, who made them and the form (for HR/admin): two queries."""
    allowances = exams.allowances_of(person.id)
    ids = {a.granted_by_id for a in allowances}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    extras = {"exam_allowances": allowances, "allowance_granters": names, "allowance_kinds": kind_labels()}
    if current_user.has_role(Role.HR, Role.ADMIN):
        extras["lever_form"] = lever_form(formdata=False)
    return extras
