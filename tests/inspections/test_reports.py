"""Drafting, editing and submitting reports: the rules, and nothing written when one refuses."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from trainer.people.models import User
from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.models import AreaFinding, InspectionReport, RaisedSignal, ReportStatus
from trainer.inspections.services import AreaEntry, InspectionError
from trainer.transactions import unit_of_work

from tests.factories import loan, report_content, today


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(code: str, call, *args, **kwargs) -> InspectionError:
    with pytest.raises(InspectionError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    db.session.rollback()
    return caught.value


def test_a_qualified_officer_files_all_eight_areas(bank):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    db.session.expire_all()
    stored = db.session.get(InspectionReport, report.id)
    assert stored.status is ReportStatus.SUBMITTED and stored.submitted_at is not None
    assert stored.department_id == bank.home.id and stored.author_id == bank.officer.id
    areas = db.session.scalars(select(AreaFinding).where(AreaFinding.report_id == report.id)
                               .order_by(AreaFinding.position)).all()
    assert [a.area for a in areas][:2] == ["fund_use", "macro_environment"] and len(areas) == 8
    assert all(a.finding and a.rating == "normal" for a in areas)
    signal = db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id)).one()
    assert (signal.signal, signal.severity, signal.note) == ("guarantor_weakened", "medium", "Guarantor sold two properties")


def test_a_draft_is_saved_incomplete_then_completed_and_submitted(bank):
    content = report_content(signals={})
    content.areas = {"fund_use": AreaEntry("Funds used for stock", "watch", "")}
    content.conclusion = ""
    draft = services.file_report(bank.officer, bank.loan, content)
    db.session.commit()
    assert draft.status is ReportStatus.DRAFT
    error = refused("incomplete", services.submit_report, bank.officer, draft.id, draft.revision)
    assert "conclusion" in error.fields and "management.finding" in error.fields and "fund_use.rating" not in error.fields
    saved = services.save_report(bank.officer, draft.id, 1, report_content(signals={"late_payment": "Two weeks late"}))
    assert saved.revision == 2
    submitted = services.submit_report(bank.officer, draft.id, 2)
    assert submitted.status is ReportStatus.SUBMITTED and submitted.revision == 3
    signals = db.session.scalars(select(RaisedSignal.signal).where(RaisedSignal.report_id == draft.id)).all()
    assert signals == ["late_payment"]


def test_a_future_date_is_refused_and_nothing_written(bank):
    refused("future_date", services.file_report, bank.officer, bank.loan, report_content(today() + timedelta(days=1)))
    assert count(InspectionReport) == 0


def test_a_date_before_the_loan_started_is_refused(bank):
    young = loan(bank.officer, started_days_ago=3)
    error = refused("before_loan_start", services.file_report, bank.officer, young, report_content(today() - timedelta(days=4)))
    assert "inspection_date" in error.fields
    assert count(InspectionReport) == 0
    assert services.file_report(bank.officer, young, report_content(today() - timedelta(days=3)))


def test_an_irregular_inspection_needs_its_trigger(bank):
    content = report_content(kind="irregular")
    content.trigger = "  "
    error = refused("invalid", services.file_report, bank.officer, bank.loan, content)
    assert list(error.fields) == ["trigger"]
    content.trigger = "Fire at the warehouse"
    assert services.file_report(bank.officer, bank.loan, content).trigger == "Fire at the warehouse"


def test_unknown_ratings_signals_and_areas_are_refused(bank):
    content = report_content(signals={"ufo_sighting": "?"})
    content.areas["fund_use"].rating = "superb"
    content.areas["weather"] = AreaEntry("sunny", "normal")
    error = refused("invalid", services.file_report, bank.officer, bank.loan, content)
    assert set(error.fields) == {"fund_use.rating", "signal.ufo_sighting", "area.weather"}
    assert count(InspectionReport) == 0


def test_a_raised_signal_needs_a_note_to_submit(bank):
    error = refused("incomplete", services.file_report, bank.officer, bank.loan,
                    report_content(signals={"sales_drop": " "}), submit=True)
    assert list(error.fields) == ["signal.sales_drop"]
    assert count(InspectionReport) == 0, "a refused submission leaves no draft behind"


def test_a_loan_of_another_department_is_refused(bank):
    error = refused("loan_not_visible", services.file_report, bank.officer, bank.other_loan, report_content())
    assert error.forbidden and count(InspectionReport) == 0


def test_a_closed_loan_takes_no_new_inspections(bank):
    closed = loan(bank.officer, active=False)
    refused("loan_closed", services.file_report, bank.officer, closed, report_content())


def test_a_submitted_report_cannot_be_edited(bank):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    db.session.commit()
    changed = report_content(signals={})
    changed.conclusion = "Rewritten after the fact"
    refused("already_submitted", services.save_report, bank.officer, report.id, report.revision, changed)
    refused("already_submitted", services.submit_report, bank.officer, report.id, report.revision, changed)
    db.session.expire_all()
    assert db.session.get(InspectionReport, report.id).conclusion == report_content().conclusion


def test_only_the_author_edits(bank):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    error = refused("not_author", services.save_report, bank.colleague, draft.id, draft.revision, report_content())
    assert error.forbidden


def test_a_stale_edit_is_refused(bank):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    first = report_content(signals={})
    first.conclusion = "First tab"
    services.save_report(bank.officer, draft.id, 1, first)
    db.session.commit()  # the first tab's request; the second tab's refusal rolls back only itself
    second = report_content(signals={})
    second.conclusion = "Second tab, opened before the first saved"
    error = refused("stale", services.save_report, bank.officer, draft.id, 1, second)
    assert error.message == "Someone changed this report; reload."
    db.session.expire_all()
    stored = db.session.get(InspectionReport, draft.id)
    assert (stored.conclusion, stored.revision) == ("First tab", 2)


def test_concurrent_double_submit_makes_one_submission(app, bank):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    db.session.commit()
    author_id, report_id = bank.officer.id, draft.id
    barrier, outcomes = threading.Barrier(4), []

    def submit():
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                barrier.wait()
                with unit_of_work():  # as each request does: the winner commits, a refused one rolls back
                    services.submit_report(db.session.get(User, author_id), report_id, 1)
                outcomes.append("submitted")
            except InspectionError as error:
                outcomes.append(error.code)
            except Exception as error:  # noqa: BLE001 - asserted below
                outcomes.append(repr(error))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_submitted"] * 3 + ["submitted"]
    db.session.expire_all()
    stored = db.session.get(InspectionReport, report_id)
    assert (stored.status, stored.revision) == (ReportStatus.SUBMITTED, 2)
    assert count(AreaFinding) == 8 and count(RaisedSignal) == 1


def test_my_reports_list_returned_first_with_reasons(bank):
    from trainer.inspections import review

    returned = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    # In the month before (one regular report per loan and month), whatever day of the month the test runs.
    draft = services.file_report(bank.officer, bank.loan, report_content(today().replace(day=1) - timedelta(days=3)))
    review.review_report(bank.supervisor, returned.id, review.ReviewInput(
        "returned", "Thin analysis", {"coverage": 2, "timeliness": 4, "signal_accuracy": 2, "analysis_quality": 1},
        {s.id: False for s in db.session.scalars(select(RaisedSignal))}, "Explain the guarantor's assets"))
    _page, rows = services.my_reports(bank.officer)
    assert [(r.report.id, r.return_reasons) for r in rows] == [(returned.id, "Explain the guarantor's assets"),
                                                                (draft.id, "")]
