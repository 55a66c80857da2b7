"""Credit staff meeting pages. The rules live in services.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from trainer import refusals, transactions
from trainer.people.models import Role
from trainer.certification import services as certification
from trainer.extensions import db
from trainer.inspections.gate import GateRefused
from trainer.inspections.policy import inspection_policy
from trainer.meetings import services
from trainer.meetings.forms import meeting_form
from trainer.meetings.models import CreditMeeting, SignalDecision
from trainer.params import query_int
from trainer.security import is_bank_wide, roles_required

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

READERS = (Role.SUPERVISOR, Role.HR, Role.ADMIN)
RECORDERS = (Role.SUPERVISOR, Role.ADMIN)


def _locale() -> str:
    return str(get_locale())


def _signal_labels() -> dict[str, str]:
    locale = _locale()
    return {code: signal.label(locale) for code, signal in inspection_policy().signals.items()}


def decision_labels() -> dict[SignalDecision, str]:
    return {SignalDecision.CONFIRMED: _("confirmed"), SignalDecision.DISMISSED: _("dismissed")}


@bp.app_template_global("meeting_decisions")
def meeting_decisions(report_id: int) -> list[services.ReportDecision]:
    """For the report page: what credit staff meetings decided about the report's signals."""
    return services.decisions_for_report(report_id)


@bp.app_template_global("meeting_decision_label")
def meeting_decision_label(decision: SignalDecision) -> str:
    return decision_labels()[decision]


@bp.app_template_global("may_read_meetings")
def may_read_meetings() -> bool:
    return current_user.is_authenticated and current_user.has_role(*READERS)


@bp.get("/")
@roles_required(*READERS)
def index():
    from sqlalchemy import select

    from trainer.people.models import Department
    bank_wide = is_bank_wide(current_user)
    department_id = request.args.get("department", type=query_int) if bank_wide else None
    page, rows = services.meetings_page(current_user, department_id, request.args.get("page", 1, type=query_int))
    departments = db.session.scalars(select(Department).order_by(Department.name)).all() if bank_wide else []
    return render_template("meetings/index.html", page=page, rows=rows, departments=departments,
                           department_id=department_id, can_record=bool(services.recordable_departments(current_user)))


def _render_form(form, department, departments, status: int = 200, error=None, refusal=None):
    return render_template("meetings/form.html", form=form, department=department, departments=departments,
                           signal_labels=_signal_labels(), decision_labels=decision_labels(), error=error,
                           refusal=refusal), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def new():
    departments = services.recordable_departments(current_user)
    if not departments:
        abort(403)
    wanted = request.args.get("department", type=query_int)
    department = next((d for d in departments if d.id == wanted), None) if wanted else departments[0]
    if department is None:
        abort(403)
    candidates = services.signal_candidates(department.id)
    form = meeting_form(candidates, _signal_labels())
    form.attendees.choices = [SelectChoice(p.id, f"{p.full_name} ({p.employee_no})")
                              for p in services.department_people(department.id)]
    form.loans.choices = [SelectChoice(loan.id, f"{loan.loan_no} · {loan.borrower}")
                          for loan in services.department_loans(current_user, department.id)]
    if request.method == "GET" and form.held_on.data is None:
        form.held_on.data = certification.today()
    if not form.validate_on_submit():
        return _render_form(form, department, departments, 422 if form.errors else 200)
    try:
        meeting = services.record_meeting(current_user, department.id, form.meeting_input())
    except GateRefused as refusal:
        transactions.discard_changes()
        return _render_form(form, department, departments, 403, refusal=refusal)
    except services.MeetingError as error:
        if error.code == "forbidden":
            abort(403)
        refusals.attach(form, error)
        return _render_form(form, department, departments, 409 if error.code == "duplicate" else 422,
                            error=error.message)
    flash(_("The meeting of %(day)s is recorded.", day=meeting.held_on.isoformat()), "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>")
@roles_required(*READERS)
def meeting(meeting_id: int):
    found = db.get_or_404(CreditMeeting, meeting_id)
    if not services.can_view(current_user, found):
        abort(403)
    return render_template("meetings/meeting.html", d=services.meeting_detail(found), signal_labels=_signal_labels(),
                           decision_labels=decision_labels())
