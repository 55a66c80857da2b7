"""Training batch pages for HR and admin. The rules live in services.py."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from trainer import refusals, transactions
from trainer.people.models import Department, Role
from trainer.batches import services
from trainer.batches.forms import BatchForm, MembersForm
from trainer.batches.models import TrainingBatch
from trainer.certification import services as certification
from trainer.content import services as content
from trainer.extensions import db
from trainer.csv_import import ImportRejected, RowError
from trainer.security import roles_required

bp = Blueprint("batches", __name__, url_prefix="/batches")

MANAGERS = (Role.HR, Role.ADMIN)


def _locale() -> str:
    return str(get_locale())


def _member_choices(form: MembersForm) -> None:
    form.people.choices = [SelectChoice(p.id, f"{p.full_name} ({p.employee_no}, {p.department.code})")
                           for p in services.candidates(current_user)]
    departments = db.session.scalars(select(Department).where(Department.active).order_by(Department.name))
    form.department.choices = [SelectChoice("", _("No department"))] + [
        SelectChoice(str(d.id), f"{d.name} ({d.code})") for d in departments]


def _picked_people(form: MembersForm, qualification: str) -> list[int]:
    """Everyone the form names, by any of its ways; a bad CSV raises ImportRejected."""
    ids = list(form.people.data or [])
    if form.department.data:
        ids += services.department_people(current_user, int(form.department.data))
    if form.expiring_before.data:
        ids += services.expiring_people(current_user, qualification, form.expiring_before.data)
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        ids += services.people_from_csv(current_user, upload.read())
    return ids


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    return render_template("batches/index.html", batches=services.all_batches(), counts=services.member_counts(),
                           qualifications=certification.definitions(), today=certification.today())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    form = BatchForm()
    form.qualification.choices = [SelectChoice(q.code, q.title(_locale())) for q in certification.definitions().values()]
    texts = content.titles(_locale())
    form.modules.choices = [SelectChoice(m.id, texts[m.id].title if m.id in texts else m.slug)
                            for m in content.active_modules()]
    _member_choices(form)
    if not form.is_submitted():
        first = next(iter(certification.definitions()), None)
        form.modules.data = [m.id for m in services.qualification_modules(first)] if first else []
    errors: list[RowError] = []
    if form.validate_on_submit():
        try:
            batch = services.create_batch(current_user, form.name.data, form.qualification.data, form.starts_on.data,
                                          form.due_on.data, form.modules.data)
            people = _picked_people(form, batch.qualification)
            if not people:
                raise services.BatchError(_("Add at least one person."))
            services.add_members(batch, current_user, people)
        except services.BatchError as error:
            refusals.attach(form, error, message_above=True)
        except ImportRejected as rejected:
            transactions.discard_changes()
            errors = rejected.errors
        else:
            flash(_("Batch created."), "success")
            return redirect(url_for("batches.batch", batch_id=batch.id))
    status = 422 if form.is_submitted() else 200
    return render_template("batches/new.html", form=form, errors=errors), status


def _batch_page(batch: TrainingBatch, form: MembersForm, errors: list[RowError], status: int = 200):
    today = certification.today()
    results = services.results(batch, today)
    texts = content.titles(_locale())
    return render_template(
        "batches/batch.html", batch=batch, results=results, may_not_act=services.may_not_act(batch, results, today),
        qualification=certification.definition(batch.qualification), labels=services.RESULT_LABELS,
        module_titles=[texts[m].title if m in texts else str(m) for m in batch.module_ids],
        form=form, errors=errors, today=today), status


@bp.get("/<int:batch_id>")
@roles_required(*MANAGERS)
def batch(batch_id: int):
    form = MembersForm()
    _member_choices(form)
    return _batch_page(db.get_or_404(TrainingBatch, batch_id), form, [])


@bp.post("/<int:batch_id>/members")
@roles_required(*MANAGERS)
def add_members(batch_id: int):
    batch = db.get_or_404(TrainingBatch, batch_id)
    form = MembersForm()
    _member_choices(form)
    if form.validate_on_submit():
        try:
            added = services.add_members(batch, current_user, _picked_people(form, batch.qualification))
        except services.BatchError as error:
            refusals.attach(form, error, message_above=True)
        except ImportRejected as rejected:
            transactions.discard_changes()
            return _batch_page(batch, form, rejected.errors, 422)
        else:
            flash(_("%(added)d added, %(already)d already in the batch.", added=added.added, already=added.already),
                  "success")
            return redirect(url_for("batches.batch", batch_id=batch.id))
    return _batch_page(batch, form, [], 422)


@bp.get("/<int:batch_id>.csv")
@roles_required(*MANAGERS)
def export_csv(batch_id: int):
    batch = db.get_or_404(TrainingBatch, batch_id)
    body = services.to_csv(services.results(batch))
    filename = f"batch-{batch.id}-{certification.today().isoformat()}.csv"
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
