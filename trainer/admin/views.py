from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from trainer import transactions
from trainer.admin import services
from trainer.admin.forms import DepartmentForm, ResetPasswordForm, UserForm
from trainer.forms import AppForm
from trainer.people.models import Department, Role, User
from trainer.auth.services import PasswordPolicyError
from trainer.content import services as content_services
from trainer.extensions import db
from trainer.library import read_all, sync_all
from trainer.pagination import paginate
from trainer.security import roles_required
from trainer.sourcefiles import SourceInvalid
from trainer.params import query_int

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _department_choices(include_id: int | None = None) -> list[SelectChoice]:
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return [SelectChoice(d.id, f"{d.name} ({d.code})") for d in departments if d.active or d.id == include_id]


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(
        employee_no=form.employee_no.data.strip(), full_name=form.full_name.data.strip(),
        email=form.email.data.strip(), department_id=form.department_id.data,
        roles={Role(r) for r in form.roles.data}, active=form.active.data,
        locale=form.locale.data if form.locale.data in current_app.config["LANGUAGES"] else None,
    )


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    role = request.args.get("role", "")
    department_id = request.args.get("department", type=query_int)
    query = services.search_users(
        q=request.args.get("q", "").strip(), department_id=department_id,
        role=Role(role) if role in {r.value for r in Role} else None,
        logged_in={"never": False, "yes": True}.get(request.args.get("login", "")),
    )
    page = paginate(query, request.args.get("page", 1, type=query_int))
    return render_template("admin/users.html", page=page, departments=_department_choices(), roles=list(Role))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    form.department_id.choices = _department_choices()
    if request.method == "GET":
        form.roles.data = [Role.STAFF.value]
    if form.validate_on_submit():
        try:
            user = services.create_user(_user_data(form), form.password.data or None, actor=current_user)
        except (services.AdminRuleError, PasswordPolicyError) as error:
            transactions.discard_changes()
            _field_error(form, error)
        else:
            flash(_("%(name)s has been created.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), 422 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    del form.password
    form.department_id.choices = _department_choices(include_id=user.department_id)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, _user_data(form))
        except services.AdminRuleError as error:
            transactions.discard_changes()
            _field_error(form, error)
        else:
            flash(_("Changes to %(name)s saved.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           reset_form=ResetPasswordForm()), 422 if form.errors else 200


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data, actor=current_user)
        except PasswordPolicyError:
            transactions.discard_changes()
            flash(_("Choose a password that is not the person's employee number or email."), "danger")
        else:
            flash(_("Temporary password set. %(name)s must change it at the next login.", name=user.full_name), "success")
    else:
        flash(_("The temporary password must have at least 10 characters."), "danger")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.get("/departments")
@roles_required(Role.ADMIN)
def departments():
    rows = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template("admin/departments.html", departments=rows, headcounts=services.department_headcounts())


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_department(department_id: int | None):
    department = db.get_or_404(Department, department_id) if department_id else None
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        try:
            services.save_department(department, form.code.data.strip(), form.name.data.strip(), form.active.data,
                                    actor=current_user)
        except services.AdminRuleError as error:
            transactions.discard_changes()
            _field_error(form, error)
        else:
            flash(_("Department saved."), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=department), 422 if form.errors else 200


@bp.route("/content", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def content():
    report, bank, issues = None, None, []
    if request.method == "POST":
        try:
            report, bank = sync_all(read_all(), actor=current_user)
        except SourceInvalid as error:
            transactions.discard_changes()
            issues = error.issues
    modules = content_services.progress_for(current_user).modules
    return render_template("admin/content.html", report=report, bank=bank, issues=issues,
                           modules=modules), 422 if issues else 200


def _field_error(form: AppForm, error: Exception) -> None:
    field = getattr(form, getattr(error, "field", ""), None) or getattr(form, "password", None)
    message = str(error) if not isinstance(error, PasswordPolicyError) else _(
        "Choose a password that is not the person's employee number or email.")
    (field.errors if field is not None else form.form_errors).append(message)
