from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from trainer import refusals, transactions
from trainer.people.models import Role, User
from trainer.certification.services import today
from trainer.csv_import import ImportRejected, RowError
from trainer.extensions import db
from trainer.inspections import delegation, evidence, loans, overdue, review, services, versions
from trainer.inspections.channel import WEB
from trainer.inspections.forms import (KIND_LABELS, CancelDelegationForm, EvidenceForm, RemoveEvidenceForm,
                                      delegation_form, report_form, review_form)
from trainer.inspections.gate import GateRefused, require_inspector, require_supervisor
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal, ReportAttachment, ReportStatus
from trainer.inspections.policy import inspection_policy, rubric
from trainer.params import query_int
from trainer.refusals import CONFLICT
from trainer.security import roles_required

bp = Blueprint("inspections", __name__, url_prefix="/inspections")

# Refusals about the report's state rather than what was sent.


def _locale() -> str:
    return str(get_locale())


def _labels() -> dict:
    """What templates need to name areas, ratings, signals and kinds in the page language."""
    return {"policy": inspection_policy(), "rubric": rubric(), "locale": _locale(), "kind_labels": KIND_LABELS,
            "status_labels": STATUS_LABELS}


STATUS_LABELS = {ReportStatus.DRAFT: _l("Draft"), ReportStatus.SUBMITTED: _l("Submitted"),
                 ReportStatus.RETURNED: _l("Returned for correction"), ReportStatus.REVIEWED: _l("Reviewed")}


def _gate_warning(check, *args) -> GateRefused | None:
    """Shown on a form before anything is sent, so nobody fills in a report the gate will refuse."""
    try:
        check(current_user, *args)
    except GateRefused as refusal:
        return refusal
    return None


# --- my reports -----------------------------------------------------------------

@bp.get("/")
@roles_required()
def mine():
    page, rows = services.my_reports(current_user, request.args.get("page", 1, type=query_int))
    return render_template("inspections/mine.html", page=page, rows=rows,
                           refusal=_gate_warning(require_inspector, today()), **_labels())


# --- loans ----------------------------------------------------------------------

@bp.get("/loans")
@roles_required()
def loan_list():
    page, rows = loans.loans_page(current_user, request.args.get("q", "").strip(), request.args.get("page", 1, type=query_int))
    return render_template("inspections/loans.html", page=page, rows=rows)


def _visible_loan(loan_id: int) -> Loan:
    loan = db.get_or_404(Loan, loan_id)
    if not loans.can_view_loan(current_user, loan):
        abort(403)
    return loan


@bp.get("/loans/<int:loan_id>")
@roles_required()
def loan(loan_id: int):
    loan = _visible_loan(loan_id)
    page, rows = services.reports_on_loan(current_user, loan, request.args.get("page", 1, type=query_int))
    row = loans.rows_for([loan])[0]
    return render_template("inspections/loan.html", row=row, page=page, rows=rows,
                           can_file=services.can_file_on(current_user, loan) and loan.active, **_labels())


@bp.route("/loans/import", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def import_loans():
    result, errors = None, []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors = [RowError(0, _l("choose a CSV file to import"))]
        else:
            try:
                result = loans.import_loans(upload.read(), actor=current_user)
            except ImportRejected as rejected:
                transactions.discard_changes()
                errors = rejected.errors
    return render_template("inspections/import.html", result=result, errors=errors), 422 if errors else 200


# --- writing reports ------------------------------------------------------------

def _render_form(form, loan: Loan, report: InspectionReport | None, status: int = 200,
                 refusal: GateRefused | None = None, error: str | None = None, existing_report: int | None = None):
    returned = services.last_review(report.id) if report and report.status is ReportStatus.RETURNED else None
    return render_template("inspections/report_form.html", form=form, loan=loan, report=report, refusal=refusal,
                           error=error, returned=returned, existing_report=existing_report,
                           **_evidence(report), **_labels()), status


def _evidence(report: InspectionReport | None, upload_form=None) -> dict:
    """The report's files, which of them the signed-in person may remove, and the upload form if they may add."""
    if report is None:
        return {"attachments": [], "removable": set(), "evidence_form": None, "remove_form": None}
    files = evidence.attachments_of(report.id)
    editable = report.author_id == current_user.id and report.status in services.EDITABLE
    return {"attachments": files,
            "removable": evidence.removable(current_user, report, files),
            "evidence_form": (upload_form or EvidenceForm()) if editable else None, "remove_form": RemoveEvidenceForm()}


def _save(form, loan: Loan, report: InspectionReport | None):
    """Run the service the pressed button asks for; re-render the form with its refusal."""
    submit = request.form.get("action") == "submit"
    try:
        if report is None:
            report = services.file_report(current_user, loan, form.content(), submit=submit, channel=WEB)
        elif submit:
            services.submit_report(current_user, report.id, _revision(form), form.content(), channel=WEB)
        else:
            services.save_report(current_user, report.id, _revision(form), form.content(), channel=WEB)
    except GateRefused as refusal:
        transactions.discard_changes()
        return _render_form(form, loan, report, 403, refusal=refusal)
    except services.InspectionError as error:
        if error.forbidden:
            abort(403, description=error.message)
        refusals.attach(form, error)
        return _render_form(form, loan, report, error.status, error=error.message,
                            existing_report=error.report_id)
    if submit:
        flash(_("The report has been submitted for review."), "success")
        return redirect(url_for("inspections.report", report_id=report.id))
    flash(_("The draft has been saved."), "success")
    return redirect(url_for("inspections.edit_report", report_id=report.id))


def _revision(form) -> int:
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        return 0  # no page ever had it: treated as stale


@bp.route("/loans/<int:loan_id>/reports/new", methods=["GET", "POST"])
@roles_required()
def new_report(loan_id: int):
    loan = _visible_loan(loan_id)
    if not services.can_file_on(current_user, loan):
        abort(403)
    start = services.ReportContent(kind="regular", inspection_date=today())
    form = report_form(inspection_policy(), _locale(), content=start if request.method == "GET" else None)
    if form.validate_on_submit():
        return _save(form, loan, None)
    status = 422 if form.errors else 200
    return _render_form(form, loan, None, status, refusal=_gate_warning(require_inspector, today()))


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@roles_required()
def edit_report(report_id: int):
    report = db.get_or_404(InspectionReport, report_id)
    if report.author_id != current_user.id:
        abort(403)
    loan = db.session.get(Loan, report.loan_id)
    if report.status not in services.EDITABLE:
        if request.method == "POST":
            return _render_report(report, 409, error=_("This report is locked: it can no longer be changed."))
        return redirect(url_for("inspections.report", report_id=report.id))
    content = services.content_of(report) if request.method == "GET" else None
    form = report_form(inspection_policy(), _locale(), content=content, revision=report.revision)
    if form.validate_on_submit():
        return _save(form, loan, report)
    status = 422 if form.errors else 200
    return _render_form(form, loan, report, status, refusal=_gate_warning(require_inspector, report.inspection_date))


# --- reading reports --------------------------------------------------------------

def _render_report(report: InspectionReport, status: int = 200, error: str | None = None):
    detail = services.report_detail(report)
    can_review = False
    try:
        review.reviewable(current_user, report.id)
        can_review = report.status is ReportStatus.SUBMITTED
    except services.InspectionError:
        pass
    return render_template("inspections/report.html", d=detail, error=error, can_review=can_review,
                           can_edit=report.author_id == current_user.id and report.status in services.EDITABLE,
                           kept=versions.versions_of(report.id), **_evidence(report), **_labels()), status


@bp.get("/reports/<int:report_id>")
@roles_required()
def report(report_id: int):
    report = db.get_or_404(InspectionReport, report_id)
    if not services.can_view_report(current_user, report):
        abort(403)
    return _render_report(report)


def _viewable(report_id: int) -> InspectionReport:
    report = db.get_or_404(InspectionReport, report_id)
    if not services.can_view_report(current_user, report):
        abort(403)
    return report


@bp.get("/reports/<int:report_id>/versions")
@roles_required()
def report_versions(report_id: int):
    report = _viewable(report_id)
    return render_template("inspections/versions.html", report=report, loan=db.session.get(Loan, report.loan_id),
                           versions=versions.versions_of(report.id), **_labels())


@bp.get("/reports/<int:report_id>/versions/<int:number>")
@roles_required()
def version_diff(report_id: int, number: int):
    """Version `number` (as returned) against what followed it: the next version, or the report as it is now."""
    report = _viewable(report_id)
    kept = versions.versions_of(report.id)
    version = next((v for v in kept if v.number == number), None)
    if version is None:
        abort(404)
    following = next((v for v in kept if v.number == number + 1), None)
    after = following.snapshot if following else versions.snapshot(report)
    fields = versions.diff(version.snapshot, after, inspection_policy(), _locale(), KIND_LABELS)
    return render_template("inspections/version_diff.html", report=report, loan=db.session.get(Loan, report.loan_id),
                           version=version, following=following, fields=fields, **_labels())


@bp.post("/reports/<int:report_id>/evidence")
@roles_required()
def add_evidence(report_id: int):
    report = db.get_or_404(InspectionReport, report_id)
    if report.author_id != current_user.id:
        abort(403)
    form = EvidenceForm()
    upload = form.file.data if form.validate_on_submit() else None
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise services.InspectionError("invalid", _("Choose a file to attach."))
        evidence.add(current_user, report.id, upload.filename, upload.read(evidence.max_bytes() + 1))
    except services.InspectionError as error:
        transactions.discard_changes()
        if error.forbidden:
            abort(403, description=error.message)
        return _render_report(report, error.status, error=error.message)
    flash(_("The file has been attached."), "success")
    return redirect(url_for("inspections.edit_report", report_id=report.id))


@bp.get("/evidence/<int:attachment_id>")
@roles_required()
def evidence_file(attachment_id: int):
    """The file, to those who may see its report: always as a download, never rendered by the browser."""
    attachment = db.get_or_404(ReportAttachment, attachment_id)
    _viewable(attachment.report_id)
    path = evidence.path_of(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/evidence/<int:attachment_id>/delete")
@roles_required()
def remove_evidence(attachment_id: int):
    attachment = db.get_or_404(ReportAttachment, attachment_id)
    report = db.session.get(InspectionReport, attachment.report_id)
    if report.author_id != current_user.id or not RemoveEvidenceForm().validate_on_submit():
        abort(403)
    try:
        evidence.remove(current_user, attachment.id)
    except services.InspectionError as error:
        transactions.discard_changes()
        if error.forbidden:
            abort(403, description=error.message)
        return _render_report(report, error.status, error=error.message)
    flash(_("The file has been removed."), "success")
    return redirect(url_for("inspections.edit_report", report_id=report.id))


@bp.get("/overdue")
@roles_required()
def overdue_loans():
    return render_template("inspections/overdue.html", view=overdue.overdue(current_user))


# --- supervisor review -----------------------------------------------------------

@bp.get("/review")
@roles_required(Role.SUPERVISOR)
def queue():
    return _render_queue()


def _render_queue(form=None, status: int = 200, error: str | None = None):
    page, rows = review.review_queue(current_user, request.args.get("page", 1, type=query_int))
    day = today()
    given = delegation.given(current_user, day)
    ids = {d.delegate_id for d in given}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return render_template("inspections/queue.html", page=page, rows=rows,
                           refusal=_gate_warning(require_supervisor), delegated=delegation.delegated_queues(current_user, day),
                           given=given, names=names,
                           delegation_form=form or delegation_form(delegation.supervisors_to_choose(current_user)),
                           cancel_form=CancelDelegationForm(), delegation_error=error, **_labels()), status


@bp.post("/review/delegations")
@roles_required(Role.SUPERVISOR)
def delegate_reviews():
    form = delegation_form(delegation.supervisors_to_choose(current_user))
    if not form.validate_on_submit():
        return _render_queue(form, 422)
    try:
        done = delegation.create(current_user, form.delegate.data, form.starts_on.data, form.ends_on.data, today())
    except services.InspectionError as error:
        if error.forbidden:
            abort(403, description=error.message)
        refusals.attach(form, error)
        return _render_queue(form, 422, error=error.message)
    flash(_("Your reviews from %(start)s to %(end)s are delegated.", start=done.starts_on.isoformat(),
            end=done.ends_on.isoformat()), "success")
    return redirect(url_for("inspections.queue"))


@bp.post("/review/delegations/<int:delegation_id>/cancel")
@roles_required(Role.SUPERVISOR)
def cancel_delegation(delegation_id: int):
    if not CancelDelegationForm().validate_on_submit():
        abort(400)
    try:
        delegation.cancel(current_user, delegation_id)
    except services.InspectionError as error:
        abort(403 if error.forbidden else 409, description=error.message)
    flash(_("The delegation has been cancelled."), "success")
    return redirect(url_for("inspections.queue"))


def _review_form(report: InspectionReport):
    signals = sorted(db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id)),
                     key=lambda s: s.id)
    policy, locale = inspection_policy(), _locale()
    labels = {code: signal.label(locale) for code, signal in policy.signals.items()}
    return review_form(rubric(), signals, labels, locale)


def _render_review(form, report: InspectionReport, status: int = 200, refusal=None, error=None):
    return render_template("inspections/review.html", form=form, d=services.report_detail(report), refusal=refusal,
                           error=error, kept=versions.versions_of(report.id), **_evidence(report), **_labels()), status


@bp.route("/reports/<int:report_id>/review", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def review_report(report_id: int):
    try:
        report = review.reviewable(current_user, report_id)
    except services.InspectionError as error:
        abort(404 if error.code == "not_found" else 403, description=error.message)
    if report.status is not ReportStatus.SUBMITTED:
        if request.method == "POST":
            return _render_report(report, 409, error=_("This report is not waiting for review."))
        return redirect(url_for("inspections.report", report_id=report.id))
    form = _review_form(report)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return _render_review(form, report, status, refusal=_gate_warning(require_supervisor))
    try:
        done = review.review_report(current_user, report.id, form.review_input())
    except GateRefused as refusal:
        transactions.discard_changes()
        return _render_review(form, report, 403, refusal=refusal)
    except services.InspectionError as error:
        transactions.discard_changes()
        if error.status == CONFLICT:
            return _render_report(db.session.get(InspectionReport, report.id), 409, error=error.message)
        refusals.attach(form, error)
        return _render_review(form, report, error.status, error=error.message)
    if done.decision.value == "accepted":
        flash(_("The report has been accepted (quality score %(score)d).", score=done.quality_score), "success")
    else:
        flash(_("The report has been returned to its author for correction."), "success")
    return redirect(url_for("inspections.queue"))
