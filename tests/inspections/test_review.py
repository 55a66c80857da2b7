"""Supervisor review: own department only, never one's own report, a rubric score, return and resubmit."""
import threading

import pytest
from sqlalchemy import func, select

from trainer.people.models import Role, User
from trainer.extensions import db
from trainer.inspections import review, services
from trainer.inspections.models import InspectionReport, RaisedSignal, ReportStatus, Review, ReviewDecision
from trainer.inspections.review import ReviewInput
from trainer.inspections.services import InspectionError
from trainer.transactions import unit_of_work

from tests import factories
from tests.factories import certify, report_content

FULL_MARKS = {"coverage": 4, "timeliness": 4, "signal_accuracy": 4, "analysis_quality": 4}


def submitted(bank, author=None):
    report = services.file_report(author or bank.officer, bank.loan, report_content(), submit=True)
    db.session.commit()
    return report


def confirmations(report, value=True) -> dict[int, bool]:
    return {s.id: value for s in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))}


def refused(code, supervisor, report, data=None):
    with pytest.raises(InspectionError) as caught:
        review.review_report(supervisor, report.id, data or ReviewInput("accepted", "Fine", FULL_MARKS, confirmations(report)))
    assert caught.value.code == code, caught.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0
    return caught.value


def test_accepting_scores_the_report_with_the_rubric(bank):
    report = submitted(bank)
    done = review.review_report(bank.supervisor, report.id, ReviewInput(
        "accepted", "Thorough on the guarantor.", {"coverage": 4, "timeliness": 2, "signal_accuracy": 3, "analysis_quality": 1},
        confirmations(report)))
    # 30*4/4 + 20*2/4 + 25*3/4 + 25*1/4 = 30 + 10 + 18.75 + 6.25
    assert done.quality_score == 65 and done.decision is ReviewDecision.ACCEPTED
    db.session.expire_all()
    assert db.session.get(InspectionReport, report.id).status is ReportStatus.REVIEWED
    assert all(s.confirmed for s in db.session.scalars(select(RaisedSignal)))


def test_return_resubmit_accept_keeps_the_history(bank):
    report = submitted(bank)
    review.review_report(bank.supervisor, report.id, ReviewInput(
        "returned", "The collateral section is thin.", FULL_MARKS | {"analysis_quality": 1}, confirmations(report, False),
        return_reasons="Describe the state of the warehouse."))
    db.session.expire_all()
    returned = db.session.get(InspectionReport, report.id)
    assert returned.status is ReportStatus.RETURNED
    first_submitted_at = returned.submitted_at
    content = report_content()
    content.areas["collateral"].finding = "Warehouse inspected: roof repaired, stock insured."
    services.submit_report(bank.officer, report.id, returned.revision, content)
    db.session.expire_all()
    again = db.session.get(InspectionReport, report.id)
    assert again.status is ReportStatus.SUBMITTED and again.submitted_at == first_submitted_at
    review.review_report(bank.supervisor, report.id, ReviewInput("accepted", "Now complete.", FULL_MARKS, confirmations(report)))
    reviews = db.session.scalars(select(Review).where(Review.report_id == report.id).order_by(Review.id)).all()
    assert [(r.decision, r.return_reasons, r.quality_score) for r in reviews] == [
        (ReviewDecision.RETURNED, "Describe the state of the warehouse.", 81), (ReviewDecision.ACCEPTED, "", 100)]
    assert db.session.get(InspectionReport, report.id).status is ReportStatus.REVIEWED


def test_a_supervisor_never_reviews_their_own_report(bank):
    report = submitted(bank, author=bank.supervisor)
    assert refused("own_report", bank.supervisor, report).forbidden


def test_a_supervisor_of_another_department_is_refused(bank):
    stranger = factories.user(Role.SUPERVISOR, dept=bank.other)
    certify(stranger, "inspector", "supervisor")
    assert refused("other_department", stranger, submitted(bank)).forbidden


def test_staff_are_not_reviewers(bank):
    refused("not_supervisor", bank.colleague, submitted(bank))


def test_only_submitted_reports_are_reviewed(bank):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    refused("not_submitted", bank.supervisor, draft)


def test_every_part_of_the_review_is_required(bank):
    report = submitted(bank)
    error = refused("invalid", bank.supervisor, report, ReviewInput(
        "returned", " ", {"coverage": 5, "timeliness": True, "signal_accuracy": 2, "bogus": 1}, {}, ""))
    assert set(error.fields) == {"opinion", "return_reasons", "score.coverage", "score.timeliness",
                                 "score.analysis_quality", "score.bogus", f"signal.{next(iter(confirmations(report)))}"}
    assert db.session.get(InspectionReport, report.id).status is ReportStatus.SUBMITTED


def test_concurrent_double_review_makes_one_review(app, bank):
    report = submitted(bank)
    supervisor_id, report_id, marks = bank.supervisor.id, report.id, confirmations(report)
    barrier, outcomes = threading.Barrier(4), []

    def run(decision):
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                barrier.wait()
                with unit_of_work():  # as each request does: the winner commits, a refused one rolls back
                    review.review_report(db.session.get(User, supervisor_id), report_id,
                                         ReviewInput(decision, "Seen", FULL_MARKS, marks, "Fix it"))
                outcomes.append("reviewed")
            except InspectionError as error:
                outcomes.append(error.code)
            except Exception as error:  # noqa: BLE001 - asserted below
                outcomes.append(repr(error))

    threads = [threading.Thread(target=run, args=(d,)) for d in ("accepted", "returned", "accepted", "returned")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["not_submitted"] * 3 + ["reviewed"]
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_the_queue_lists_the_departments_submitted_reports_oldest_first_never_ones_own(bank):
    first = submitted(bank)
    # One regular report per loan and month: the others are irregular.
    second = services.file_report(bank.colleague, bank.loan, report_content(kind="irregular"), submit=True)
    services.file_report(bank.supervisor, bank.loan, report_content(kind="irregular"), submit=True)
    services.file_report(bank.officer, bank.loan, report_content(kind="irregular"))  # a draft: not waiting
    services.file_report(bank.outsider, bank.other_loan, report_content(), submit=True)  # another department
    _page, rows = review.review_queue(bank.supervisor)
    assert [r.report.id for r in rows] == [first.id, second.id]
