"""The person page's suspension-lift actions (request, approve, reject). Rules: certification/lifts.py."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from trainer import transactions
from trainer.people.models import Role
from trainer.certification import lifts
from trainer.certification import services as certification
from trainer.certification.models import SuspensionLift
from trainer.extensions import db
from trainer.hr.lift_forms import LiftDecisionForm, LiftRequestForm
from trainer.hr.views import _locale, _render_person, _visible_person, bp
from trainer.security import roles_required


def lift_request_form(person_id: int, formdata=None) -> LiftRequestForm:
    kwargs = {} if formdata is not False else {"formdata": None}
    form = LiftRequestForm(prefix="lift", **kwargs)
    definitions = certification.definitions()
    form.qualification.choices = [SelectChoice(code, definitions[code].title(_locale()))
                                  for code in lifts.suspended_qualifications(person_id) if code in definitions]
    return form


@bp.post("/<int:user_id>/lift-request")
@roles_required(Role.HR, Role.ADMIN)
def request_lift(user_id: int):
    person = _visible_person(user_id)
    form = lift_request_form(person.id)
    if not form.validate_on_submit():
        return _render_person(person, 422, _("Choose the suspended qualification and give a reason."), "lift")
    try:
        lifts.request_lift(person, form.qualification.data, current_user, form.reason.data)
    except lifts.LifecycleError as error:
        transactions.discard_changes()
        return _render_person(person, 422, _("The request was refused: %(why)s", why=str(error)), "lift")
    flash(_("The request to lift the suspension is recorded: another HR person or an administrator must approve it."),
          "success")
    return redirect(url_for("hr.person", user_id=person.id))


@bp.post("/<int:user_id>/lifts/<int:lift_id>")
@roles_required(Role.HR, Role.ADMIN)
def decide_lift(user_id: int, lift_id: int):
    person = _visible_person(user_id)
    lift = db.session.get(SuspensionLift, lift_id)
    if lift is None or lift.user_id != person.id:
        return _render_person(person, 404, _("No such request."), "lift")
    form = LiftDecisionForm(prefix=f"decide-{lift.id}")
    if not form.validate_on_submit():
        return _render_person(person, 422, _("The decision was not recorded: the note is too long."), "lift")
    approve = bool(form.approve.data)
    try:
        lifts.decide_lift(lift.id, current_user, approve, form.note.data or "")
    except lifts.LifecycleError as error:
        transactions.discard_changes()
        return _render_person(person, 409 if isinstance(error, lifts.AlreadyDecided) else 422,
                              _("The decision was refused: %(why)s", why=str(error)), "lift")
    if approve:
        flash(_("The suspension is lifted for %(name)s.", name=person.full_name), "success")
    else:
        flash(_("The request to lift the suspension is rejected."), "success")
    return redirect(url_for("hr.person", user_id=person.id))


def person_page_extras(person) -> dict:
    """What the person page adds for the training record and suspension lifts (a fixed number of queries)."""
    from flask_babel import get_locale

    from trainer.hr import training_record

    extras = {"training": training_record.training_record(person.id, str(get_locale())),
              "minutes": training_record.minutes, "lifts": lifts.lifts_of(person.id)}
    if current_user.has_role(Role.HR, Role.ADMIN):
        extras["lift_form"] = lift_request_form(person.id, formdata=False)
        extras["decision_forms"] = {line.lift.id: LiftDecisionForm(prefix=f"decide-{line.lift.id}", formdata=None)
                                    for line in extras["lifts"] if line.lift.status.value == "pending"}
    return extras
