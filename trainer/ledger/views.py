from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from trainer import transactions
from trainer.people.models import Department, Role, User
from trainer.extensions import db
from trainer.ledger.verify import integrity_status
from trainer.ledger import services
from trainer.ledger.catalogue import EntryKind
from trainer.ledger.forms import EntryForm, ReverseForm
from trainer.ledger.models import LedgerEntry
from trainer.ledger.services import LedgerError
from trainer.security import is_bank_wide, roles_required, scope_people
from trainer.params import id_arg, in_id_range, query_int

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

LOGGERS = (Role.SUPERVISOR, Role.HR, Role.ADMIN)
# Which form field a refusal belongs beside; the others are shown above the form.
ERROR_FIELDS = {
    "self": "person_id", "other_department": "person_id", "inactive_person": "person_id",
    "unknown_category": "category", "points_out_of_range": "points",
    "reason_required": "reason", "reason_too_long": "reason",
    "unknown_inspection": "inspection_id", "inspection_of_other_person": "inspection_id",
}


def _locale() -> str:
    return str(get_locale())


def _category_titles() -> dict[str, str]:
    return {code: c.title(_locale()) for code, c in services.catalogue().categories.items()}


def _visible_name(person_id: int) -> str:
    """The name of a person the viewer may see; anyone else is a 404, so an id never reveals a name."""
    name = db.session.scalar(scope_people(select(User.full_name).where(User.id == person_id), current_user))
    if name is None:
        abort(404)
    return name


@bp.get("/")
@roles_required()
def index():
    bank_wide = is_bank_wide(current_user)
    department_id = id_arg("department") if bank_wide else None
    person_id = id_arg("person")
    person_name = _visible_name(person_id) if person_id else None
    page = services.entries_page(current_user, person_id=person_id, department_id=department_id,
                                 page=request.args.get("page", 1, type=query_int))
    departments = db.session.scalars(select(Department).order_by(Department.name)).all() if bank_wide else []
    return render_template("ledger/index.html", page=page, rows=services.annotate(page.items),
                           categories=_category_titles(), departments=departments, person_name=person_name,
                           can_log=current_user.has_role(*LOGGERS),
                           integrity=integrity_status() if bank_wide else None)


# --- logging ------------------------------------------------------------------------

def _people_choices() -> list[SelectChoice]:
    """The active people the current user may log for: those they may see, never themselves."""
    query = scope_people(select(User.id, User.full_name, User.employee_no).where(
        User.active, User.id != current_user.id).order_by(User.full_name, User.id), current_user)
    return [SelectChoice(str(row.id), f"{row.full_name} ({row.employee_no})") for row in db.session.execute(query)]


def _category_choices() -> list[SelectChoice]:
    catalogue = services.catalogue()
    groups: dict[str, list[SelectChoice]] = {EntryKind.REWARD: [], EntryKind.SANCTION: []}
    names = {EntryKind.REWARD: _("Rewards"), EntryKind.SANCTION: _("Sanctions")}
    for code, category in catalogue.categories.items():
        values = {"name": category.title(_locale()), "min": category.points_min, "max": category.points_max}
        if catalogue.suspends_for(category):
            label = _("%(name)s (%(min)d–%(max)d points; suspends the qualification)", **values)
        else:
            label = _("%(name)s (%(min)d–%(max)d points)", **values)
        groups[category.kind].append(SelectChoice(code, label, optgroup=names[category.kind]))
    return groups[EntryKind.REWARD] + groups[EntryKind.SANCTION]


def _render_new(form: EntryForm, status: int = 200):
    refusal = services.logging_refusal(current_user)
    return render_template("ledger/new.html", form=form, refusal=refusal), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def new():
    form = EntryForm()
    form.person_id.choices = [SelectChoice("", _("Choose a person"))] + _people_choices()
    form.category.choices = [SelectChoice("", _("Choose a category"))] + _category_choices()
    if request.method == "GET":
        form.person_id.data = request.args.get("person", type=query_int)
        return _render_new(form)
    if not form.validate_on_submit():
        return _render_new(form, 422)
    person = db.session.get(User, form.person_id.data) if in_id_range(form.person_id.data) else None
    if person is None:
        form.person_id.errors.append(_("Choose a person."))
        return _render_new(form, 422)
    try:
        entry = services.log_entry(current_user, person, form.category.data, form.points.data,
                                   form.reason.data, form.inspection_id.data,
                                   idempotency_key=form.idempotency_key.data)
    except LedgerError as error:
        transactions.discard_changes()
        field = ERROR_FIELDS.get(error.code)
        (form[field].errors if field else form.form_errors).append(str(error))
        return _render_new(form, 422)
    flash(_("Entry %(seq)d recorded for %(name)s: %(points)s points.", seq=entry.seq, name=person.full_name,
            points=f"{entry.points:+d}"), "success")
    if services.suspension_caused_by(entry) is not None:
        flash(_("%(name)s's qualification is suspended until they read the modules again and pass the exam.",
                name=person.full_name), "warning")
    return redirect(url_for("ledger.entry", entry_id=entry.id))


# --- one entry and its correction ---------------------------------------------------

def _render_entry(entry: LedgerEntry, form: ReverseForm | None = None, status: int = 200, error: str | None = None):
    [row] = services.annotate([entry])
    person = db.session.get(User, entry.person_id)
    can_reverse = (current_user.has_role(*LOGGERS) and services.may_act_for(current_user, person)
                   and entry.kind != EntryKind.REVERSAL and row.reversed_by is None)
    return render_template(
        "ledger/entry.html", row=row, entry=entry, categories=_category_titles(),
        suspension=services.suspension_caused_by(entry), can_reverse=can_reverse,
        refusal=services.reversal_refusal(current_user, entry) if can_reverse and not error else None,
        form=form or ReverseForm(formdata=None), error=error,
    ), status


@bp.get("/<int:entry_id>")
@roles_required()
def entry(entry_id: int):
    entry = db.get_or_404(LedgerEntry, entry_id)
    if not services.can_view_entry(current_user, entry):
        abort(403)
    return _render_entry(entry)


@bp.post("/<int:entry_id>/reverse")
@roles_required(*LOGGERS)
def reverse(entry_id: int):
    entry = db.get_or_404(LedgerEntry, entry_id)
    if not services.may_act_for(current_user, db.session.get(User, entry.person_id)):
        abort(403)
    form = ReverseForm()
    if not form.validate_on_submit():
        return _render_entry(entry, form, 422)
    try:
        reversal = services.reverse_entry(current_user, entry, form.reason.data,
                                          idempotency_key=form.idempotency_key.data)
    except LedgerError as error:
        transactions.discard_changes()
        if error.code in ("reason_required", "reason_too_long"):
            form.reason.errors.append(str(error))
            return _render_entry(entry, form, 422)
        return _render_entry(entry, form, 422, str(error))
    flash(_("Entry %(seq)d reverses entry %(original)d.", seq=reversal.seq, original=entry.seq), "success")
    return redirect(url_for("ledger.entry", entry_id=reversal.id))
