"""HR and admin read the audit trail, filtered by person, actor, kind and date, and export it."""
from __future__ import annotations


from flask import Blueprint, Response, render_template, request
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from flask_babel import lazy_gettext as _l

from trainer import spreadsheets
from trainer.audit_log import services
from trainer.audit_log.models import AuditEvent
from trainer.people.models import Role, User, employee_no_is
from trainer.extensions import db
from trainer.pagination import paginate
from trainer.security import roles_required
from trainer.forms import QueryForm
from trainer.params import query_int

bp = Blueprint("audit_log", __name__, url_prefix="/audit")
EXPORT_LIMIT = 100_000


class TrailFilterForm(QueryForm):
    """GET filters: bad values are the form's errors, never a server error."""

    person = StringField(_l("About (employee number)"), validators=[Optional(), Length(max=40)])
    actor = StringField(_l("By (employee number)"), validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Kind"), validate_choice=False, choices=[])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


def _person_id(form: TrailFilterForm, field) -> int | None:
    number = (field.data or "").strip()
    if not number:
        return None
    found = db.session.scalar(select(User.id).where(employee_no_is(number)))
    if found is None:
        field.errors = [*field.errors, _l("Nobody has this employee number.")]
        return -1  # a filter that matches nothing, not everyone
    return found


def _filter() -> tuple[TrailFilterForm, services.TrailFilter]:
    form = TrailFilterForm(request.args)
    form.kind.choices = [("", _l("All kinds"))] + [(k, services.kind_label(k)) for k in services.kinds()]
    valid = form.validate()
    if form.kind.data and form.kind.data not in dict(form.kind.choices):
        form.kind.errors = [*form.kind.errors, _l("Choose a kind from the list.")]
        valid = False
    if not valid:
        return form, services.TrailFilter(person_id=-1)
    return form, services.TrailFilter(person_id=_person_id(form, form.person), actor_id=_person_id(form, form.actor),
                                      kind=form.kind.data or None, since=form.since.data, until=form.until.data)


def _names(events) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id} | {e.person_id for e in events if e.person_id}
    if not ids:
        return {}
    return {row.id: f"{row.full_name} ({row.employee_no})"
            for row in db.session.execute(select(User.id, User.full_name, User.employee_no).where(User.id.in_(ids)))}


@bp.get("/")
@roles_required(Role.HR, Role.ADMIN)
def index():
    form, trail_filter = _filter()
    page = paginate(services.filtered(trail_filter), request.args.get("page", 1, type=query_int))
    return render_template("audit_log/index.html", form=form, page=page, names=_names(page.items))


@bp.get("/export.csv")
@roles_required(Role.HR, Role.ADMIN)
def export():
    _form, trail_filter = _filter()
    events = list(db.session.scalars(services.filtered(trail_filter).limit(EXPORT_LIMIT)))
    names = _names(events)
    body = spreadsheets.csv_bytes(
        ["seq", "at", "actor", "kind", "about", "subject", "before", "after", "hash"],
        ([e.seq, e.at.isoformat(), names.get(e.actor_id, "system"), e.kind, names.get(e.person_id, ""),
          e.subject, e.before, e.after, e.hash] for e in events))
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'})


_ = AuditEvent  # the model this page reads
