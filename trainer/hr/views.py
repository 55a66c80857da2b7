from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from trainer.auth.models import Department, Role, User
from trainer.content import services as content_services
from trainer.extensions import db
from trainer.hr import services
from trainer.hr.staff_import import ImportRejected, import_staff
from trainer.security import BANK_WIDE_ROLES, can_view_person, roles_required

bp = Blueprint("hr", __name__, url_prefix="/people")


@bp.get("/")
@roles_required(Role.HR, Role.ADMIN, Role.SUPERVISOR)
def people():
    bank_wide = current_user.has_role(*BANK_WIDE_ROLES)
    department_id = request.args.get("department", type=int) if bank_wide else None
    page, rows = services.people_page(
        current_user, q=request.args.get("q", "").strip(), department_id=department_id,
        page=request.args.get("page", 1, type=int),
    )
    departments = db.session.scalars(select(Department).order_by(Department.name)).all() if bank_wide else []
    return render_template("hr/people.html", page=page, rows=rows, departments=departments)


@bp.get("/<int:user_id>")
@roles_required()
def person(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_view_person(current_user, person):
        abort(403)
    return render_template("hr/person.html", person=person, course=content_services.progress_for(person))


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
                result = import_staff(upload.read())
            except ImportRejected as rejected:
                db.session.rollback()
                errors = rejected.errors
    status = 422 if errors else 200
    return render_template("hr/import.html", result=result, errors=errors), status


def _no_file_error():
    from flask_babel import lazy_gettext as _l

    from trainer.hr.staff_import import RowError

    return RowError(0, _l("choose a CSV file to import"))
