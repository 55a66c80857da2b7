"""The quarterly evaluation page, its chart and exports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from trainer.people.models import Department, Role
from trainer.evaluation import chart, explain, export, services
from trainer.evaluation.forms import EvaluationFilterForm
from trainer.evaluation.quarters import Quarter
from trainer.extensions import db
from trainer.certification.standing import STATE_LABELS
from trainer.pagination import PER_PAGE, Page
from trainer.security import is_bank_wide, roles_required
from trainer.params import query_int

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

TEAM_VIEWERS = (Role.HR, Role.ADMIN, Role.SUPERVISOR)  # see departments, the chart and the exports


def _filters() -> tuple[EvaluationFilterForm, Quarter, int | None]:
    """The quarter and department from the query string; an invalid one is reported and the default used."""
    bank_wide = is_bank_wide(current_user)
    form = EvaluationFilterForm(formdata=request.args, started=services.is_started)
    recent = services.selectable_quarters()
    asked = (form.quarter.data or "").strip() or None  # blank counts as not asked (Optional() skips it)
    form.quarter.choices = [SelectChoice(q.code, explain.quarter_label(q)) for q in recent]
    departments = db.session.scalars(select(Department).order_by(Department.name)).all() if bank_wide else []
    form.department.choices = [SelectChoice("", _("All departments"))] + [
        SelectChoice(str(d.id), f"{d.name} ({d.code})") for d in departments]
    form.validate()
    quarter = services.default_quarter()
    if asked and not form.quarter.errors:
        quarter = Quarter.parse(asked)
        if quarter not in recent:
            form.quarter.choices.append(SelectChoice(quarter.code, explain.quarter_label(quarter)))
    form.quarter.data = quarter.code
    department = form.department.data if bank_wide and not form.department.errors else None
    try:  # a blank value passes Optional() unchecked: it means "all departments", like an empty one
        department_id = query_int(department) if department and department.strip() else None
    except ValueError:
        form.department.errors = [_("Choose a department from the list.")]
        department_id = None
    return form, quarter, department_id


def _refuse_invalid(form: EvaluationFilterForm) -> None:
    if form.errors:
        problems = "; ".join(f"{form[name].label.text}: {' '.join(map(str, errors))}"
                             for name, errors in form.errors.items())
        abort(422, description=_("Correct the request. %(problems)s", problems=problems))


def _chart_svg(evaluation: services.Evaluation) -> tuple[list[chart.Series], str]:
    lines = chart.series(evaluation.history)
    labels = [explain.quarter_label(q) for q in evaluation.history.quarters]
    return lines, chart.render_svg(lines, labels, _("Department totals by quarter"))


@bp.get("/")
@roles_required()
def index():
    form, quarter, department_id = _filters()
    team = current_user.has_role(*TEAM_VIEWERS)
    evaluation = services.evaluate(current_user, quarter, department_id,
                                   history=services.HISTORY_QUARTERS if team else 1)
    number = max(request.args.get("page", 1, type=query_int), 1)
    total = len(evaluation.people)
    number = min(number, max(1, -(-total // PER_PAGE)))
    shown = services.with_standing(evaluation, evaluation.people[(number - 1) * PER_PAGE:number * PER_PAGE])
    page = Page(shown, number, PER_PAGE, total)
    lines, svg = _chart_svg(evaluation) if team and evaluation.history else ([], "")
    args = {k: v for k, v in request.args.items() if k in ("quarter", "department") and not form[k].errors}
    return render_template(
        "evaluation/index.html", form=form, evaluation=evaluation, page=page, team=team,
        chart_lines=lines, chart_svg=Markup(svg), export_args=args, explain=explain, reasons=explain.Reasons(evaluation),
        state_labels=STATE_LABELS,
    ), 422 if form.errors else 200


@bp.get("/chart.svg")
@roles_required(*TEAM_VIEWERS)
def chart_svg():
    form, quarter, department_id = _filters()
    _refuse_invalid(form)
    evaluation = services.evaluate(current_user, quarter, department_id, history=services.HISTORY_QUARTERS)
    _lines, svg = _chart_svg(evaluation)
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


def _export(render, extension: str, content_type: str) -> Response:
    form, quarter, department_id = _filters()
    _refuse_invalid(form)
    evaluation = services.evaluate(current_user, quarter, department_id, standing=True)
    filename = f"evaluation-{quarter.code}.{extension}"
    return Response(render(evaluation), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/export.csv")
@roles_required(*TEAM_VIEWERS)
def export_csv():
    return _export(export.to_csv, "csv", "text/csv; charset=utf-8")


@bp.get("/export.xlsx")
@roles_required(*TEAM_VIEWERS)
def export_xlsx():
    return _export(export.to_xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
