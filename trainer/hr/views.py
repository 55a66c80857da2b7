from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError
from wtforms import SelectChoice

from trainer import transactions
from trainer.people.models import Department, Role, User
from trainer.certification import services as certification
from trainer.certification.models import EventKind
from trainer.content import services as content_services
from trainer.exams import services as exams
from trainer.exams.models import Accommodation
from trainer.extensions import db
from trainer.hr import matrix, services
from trainer.hr.forms import AccommodationForm, MatrixFilterForm, QualificationChangeForm
from trainer.csv_import import ImportRejected
from trainer.hr.staff_import import import_staff
from trainer.security import can_view_person, is_bank_wide, roles_required
from trainer.params import query_int

bp = Blueprint("hr", __name__, url_prefix="/people")

MATRIX_VIEWERS = (Role.HR, Role.ADMIN, Role.SUPERVISOR)


@bp.get("/")
@transactions.read_only
@roles_required(Role.HR, Role.ADMIN, Role.SUPERVISOR)
def people():
    bank_wide = is_bank_wide(current_user)
    department_id = request.args.get("department", type=query_int) if bank_wide else None
    page, rows = services.people_page(
        current_user, q=request.args.get("q", "").strip(), department_id=department_id,
        page=request.args.get("page", 1, type=query_int),
    )
    departments = db.session.scalars(select(Department).order_by(Department.name)).all() if bank_wide else []
    return render_template("hr/people.html", page=page, rows=rows, departments=departments)


# --- certification matrix -------------------------------------------------------

def _matrix_filter() -> tuple[MatrixFilterForm, matrix.MatrixFilter]:
    """The filters from the query string; an invalid one is reported and left out."""
    bank_wide = is_bank_wide(current_user)
    form = MatrixFilterForm(formdata=request.args)
    # A supervisor may only pick their own department; any other id is an invalid choice.
    departments = db.session.scalars(select(Department).order_by(Department.name)).all() if bank_wide \
        else [current_user.department]
    form.department.choices = [SelectChoice("", _("All departments"))] + [
        SelectChoice(str(d.id), f"{d.name} ({d.code})") for d in departments]
    form.qualification.choices = [SelectChoice("", _("Any qualification"))] + _qualification_choices()
    form.validate()

    def valid(field):
        return None if field.errors else field.data or None

    department = valid(form.department)
    return form, matrix.MatrixFilter(
        q=(valid(form.q) or "").strip(), department_id=int(department) if department else None,
        qualification=valid(form.qualification), state=valid(form.state), within_days=valid(form.within))


def _locale() -> str:
    return str(get_locale())


@bp.get("/matrix")
@transactions.read_only
@roles_required(*MATRIX_VIEWERS)
def certification_matrix():
    form, matrix_filter = _matrix_filter()
    page, rows = matrix.matrix_page(current_user, matrix_filter, request.args.get("page", 1, type=query_int))
    # Exports repeat the filters that were applied, so an invalid one does not follow into them.
    export_args = {k: v for k, v in request.args.items() if k != "page" and not (k in form and form[k].errors)}
    return render_template(
        "hr/matrix.html", form=form, page=page, rows=rows, counts=matrix.department_counts(current_user, matrix_filter),
        qualifications=list(certification.definitions().values()), states=matrix.STATES,
        state_labels=matrix.STATE_LABELS, export_args=export_args,
    ), 422 if form.errors else 200


def _export(render, extension: str, content_type: str) -> Response:
    form, matrix_filter = _matrix_filter()
    if form.errors:
        problems = "; ".join(f"{form[name].label.text}: {' '.join(map(str, errors))}" for name, errors in form.errors.items())
        abort(422, description=_("Correct the filters before exporting. %(problems)s", problems=problems))
    body = render(matrix.export_rows(current_user, matrix_filter))
    filename = f"certification-matrix-{certification.today().isoformat()}.{extension}"
    return Response(body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/matrix.csv")
@roles_required(*MATRIX_VIEWERS)
def matrix_csv():
    return _export(matrix.to_csv, "csv", "text/csv; charset=utf-8")


@bp.get("/matrix.xlsx")
@roles_required(*MATRIX_VIEWERS)
def matrix_xlsx():
    return _export(matrix.to_xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- a person's page and HR actions on it ------------------------------------------

def _visible_person(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    if not can_view_person(current_user, person):
        abort(403)
    return person


def _certificate_url(certificate_id: int) -> str:
    try:
        return url_for("certification.certificate", certificate_id=certificate_id)
    except BuildError:
        return f"/certificates/{certificate_id}"


def _qualification_choices() -> list[SelectChoice]:
    return [SelectChoice(q.code, q.title(_locale())) for q in certification.definitions().values()]


def _record_of(person: User) -> dict:
    """What the person page shows about someone's qualifications, in a fixed number of queries."""
    events = certification.events_for(person.id)
    accommodation = db.session.get(Accommodation, person.id)
    named_ids = {e.actor_id for e in events if e.actor_id} | ({accommodation.granted_by_id} if accommodation else set())
    names = {user_id: name for user_id, name in db.session.execute(
        select(User.id, User.full_name).where(User.id.in_(named_ids)))} if named_ids else {}
    certificates = certification.certificates_of(person.id)
    qualifications = certification.definitions()
    day = certification.today()
    return {
        "standings": certification.standings(person.id, day), "certificates": certificates,
        "certificate_urls": {c.id: _certificate_url(c.id) for c in certificates},
        "certificate_states": {c.id: certification.state_on(c, day, qualifications[c.qualification].renewal_window_days)
                               for c in certificates if c.qualification in qualifications},
        "attempts": exams.attempts_of(person.id), "events": events, "names": names, "accommodation": accommodation,
        "today": day, "qualifications": qualifications, **lift_views.person_page_extras(person),
        **exam_levers.person_page_extras(person),
    }


def _render_person(person: User, status: int = 200, error: str | None = None, failed: str | None = None, **forms):
    """The person page; `failed` names the form whose `error` to show beside it."""
    can_act = is_bank_wide(current_user)
    if can_act:
        forms.setdefault("suspend_form", QualificationChangeForm(prefix="suspend", formdata=None))
        forms.setdefault("revoke_form", QualificationChangeForm(prefix="revoke", formdata=None))
        forms.setdefault("accommodation_form", AccommodationForm(prefix="accommodation", formdata=None))
        for name in ("suspend_form", "revoke_form"):
            forms[name].qualification.choices = _qualification_choices()
    return render_template(
        "hr/person.html", person=person, course=content_services.progress_for(person), **_record_of(person),
        event_labels=_event_labels(), state_labels=matrix.STATE_LABELS,
        can_act=can_act, error=error, failed=failed, **forms,
    ), status


def _event_labels() -> dict[str, str]:
    return {
        EventKind.GRANTED.value: _("Granted"), EventKind.RENEWED.value: _("Renewed"),
        EventKind.REINSTATED.value: _("Reinstated"), EventKind.SUSPENDED.value: _("Suspended"),
        EventKind.REVOKED.value: _("Revoked"), EventKind.EXPIRING.value: _("Renewal window opened"),
        EventKind.EXPIRED.value: _("Expired"), EventKind.LIFTED.value: _("Suspension lifted"),
    }


@bp.get("/<int:user_id>")
@roles_required()
def person(user_id: int):
    return _render_person(_visible_person(user_id))


def _end_qualification(user_id: int, kind: str):
    """Suspend or revoke (`kind`) one of the person's qualifications, with a reason."""
    person = _visible_person(user_id)
    form = QualificationChangeForm(prefix=kind)
    form.qualification.choices = _qualification_choices()
    if not form.validate_on_submit():
        return _render_person(person, 422, **{f"{kind}_form": form})
    change = certification.suspend if kind == "suspend" else certification.revoke
    try:
        change(person, form.qualification.data, current_user, form.reason.data)
    except certification.LifecycleError as error:
        transactions.discard_changes()
        return _render_person(person, 422, _("The change was refused: %(why)s", why=str(error)), kind,
                              **{f"{kind}_form": form})
    title = certification.definitions()[form.qualification.data].title(_locale())
    if kind == "suspend":
        flash(_("%(qualification)s is suspended for %(name)s.", qualification=title, name=person.full_name), "success")
    else:
        flash(_("%(qualification)s is revoked for %(name)s.", qualification=title, name=person.full_name), "success")
    return redirect(url_for("hr.person", user_id=person.id))


@bp.post("/<int:user_id>/suspend")
@roles_required(Role.HR, Role.ADMIN)
def suspend_qualification(user_id: int):
    return _end_qualification(user_id, "suspend")


@bp.post("/<int:user_id>/revoke")
@roles_required(Role.HR, Role.ADMIN)
def revoke_qualification(user_id: int):
    return _end_qualification(user_id, "revoke")


def _accommodation_error(code: str) -> str:
    if code == "bad_accommodation":
        return _("Enter a percentage from 1 to 200.")
    if code == "reason_required":
        return _("Give a reason.")
    if code == "self":
        return _("You cannot grant yourself extra exam time: another HR person or an administrator must.")
    return _("The accommodation could not be granted.")


@bp.post("/<int:user_id>/accommodation")
@roles_required(Role.HR, Role.ADMIN)
def grant_accommodation(user_id: int):
    person = _visible_person(user_id)
    form = AccommodationForm(prefix="accommodation")
    if not form.validate_on_submit():
        return _render_person(person, 422, accommodation_form=form)
    try:
        exams.grant_accommodation(person, form.extra_percent.data, form.reason.data, current_user)
    except exams.ExamError as error:
        transactions.discard_changes()
        return _render_person(person, 422, _accommodation_error(error.code), "accommodation", accommodation_form=form)
    flash(_("%(name)s now has %(percent)d%% extra exam time.", name=person.full_name, percent=form.extra_percent.data),
          "success")
    return redirect(url_for("hr.person", user_id=person.id))


# --- staff import ------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def import_people():
    result, errors = None, []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors = [_no_file_error()]
        else:
            try:
                result = import_staff(upload.read(), actor=current_user)
            except ImportRejected as rejected:  # all or nothing: nothing of the file is kept
                transactions.discard_changes()
                errors = rejected.errors
    status = 422 if errors else 200
    from trainer.auth.invitations import uninvited_people

    return render_template("hr/import.html", result=result, errors=errors,
                           uninvited=len(uninvited_people())), status


def _no_file_error():
    from flask_babel import lazy_gettext as _l

    from trainer.csv_import import RowError

    return RowError(0, _l("choose a CSV file to import"))


# --- exam statistics (item analysis) ------------------------------------------------

STATISTICS_VIEWERS = (Role.HR, Role.ADMIN)


def _exam_statistics(code: str):
    """The qualification (404 if unknown), the date filter and the report for it."""
    from trainer.exams import statistics
    from trainer.hr import exam_statistics

    qualification = certification.definitions().get(code)
    if qualification is None:
        abort(404)
    form = exam_statistics.StatisticsFilterForm(formdata=request.args)
    form.validate()
    since = None if form.since.errors or form.until.errors else form.since.data
    until = None if form.since.errors or form.until.errors else form.until.data
    return qualification, form, statistics.load(code, *exam_statistics.bounds(since, until))


@bp.get("/exams/statistics")
@roles_required(*STATISTICS_VIEWERS)
def exam_statistics_index():
    with_exam = [q.code for q in certification.definitions().values() if q.exam is not None]
    if not with_exam:
        abort(404)
    return redirect(url_for("hr.exam_statistics", qualification=with_exam[0]))


@bp.get("/exams/<qualification>/statistics")
@roles_required(*STATISTICS_VIEWERS)
def exam_statistics(qualification: str):
    from markupsafe import Markup

    from trainer.hr import exam_statistics as page

    definition, form, report = _exam_statistics(qualification)
    svg = page.render_svg(report.distribution, _("Score distribution"))
    export_args = {k: v for k, v in request.args.items() if k in ("since", "until") and not form.errors}
    return render_template(
        "hr/exam_statistics.html", qualification=definition, form=form, report=report, chart_svg=Markup(svg),
        others=[q for q in certification.definitions().values() if q.exam is not None], page=page,
        flag_labels=page.flag_labels(), export_args=export_args,
    ), 422 if form.errors else 200


@bp.get("/exams/<qualification>/statistics.csv")
@roles_required(*STATISTICS_VIEWERS)
def exam_statistics_csv(qualification: str):
    from trainer.hr import exam_statistics as page

    _definition, form, report = _exam_statistics(qualification)
    if form.errors:
        abort(422, description=_("Correct the dates before exporting."))
    filename = f"exam-statistics-{qualification}-{certification.today().isoformat()}.csv"
    return Response(page.to_csv(report, _locale()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


from trainer.hr import lift_views  # noqa: E402 - its routes (suspension lifts) join this blueprint
from trainer.hr import exam_levers  # noqa: E402 - its routes (extra attempt, cooldown reset) join this blueprint
