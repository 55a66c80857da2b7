"""`make run` seeds demo data through the real services: it must work on a fresh database, twice."""
from sqlalchemy import func, select

from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan
from trainer.ledger.services import verify_ledger

from tests import factories


def test_seed_demo_twice_gives_a_complete_consistent_demo(app, runner):
    with app.app_context():
        factories.load_content()
    first = runner.invoke(args=["trainer", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "officer@demo.bank" in first.output and "demo-officer-pass" in first.output
    assert runner.invoke(args=["trainer", "seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Loan)) == 7
        assert db.session.scalar(select(func.count()).select_from(InspectionReport)) == 13  # 12 monthly, 1 irregular (discussed at the meeting)
        assert verify_ledger().ok
        # The demo's completions were read through the reading rule, with the statement confirmed.
        from trainer.content.models import ModuleCompletion, SectionReading

        completions = db.session.scalars(select(ModuleCompletion)).all()
        assert completions and all(c.confirmation is not None for c in completions)
        assert db.session.scalar(select(func.count()).select_from(SectionReading).where(
            SectionReading.read_at.is_(None))) == 0


def test_check_content_accepts_the_repository(runner):
    result = runner.invoke(args=["trainer", "check-content"])
    assert result.exit_code == 0 and "questions" in result.output, result.output


def test_demo_batch_has_five_people_with_mixed_results(demo_app):
    from trainer.batches import services as batches
    from trainer.batches.models import TrainingBatch

    app = demo_app
    assert app.test_cli_runner().invoke(args=["trainer", "seed-demo"]).exit_code == 0  # seeded twice
    with app.app_context():
        from trainer.demo_training import AUTUMN_BATCH

        (batch,) = db.session.scalars(select(TrainingBatch).where(TrainingBatch.name != AUTUMN_BATCH)).all()
        results = {r.person.employee_no: r.result for r in batches.results(batch)}
        assert results == {"E1002": "passed", "E2001": "failed", "E3001": "in_progress", "S0001": "in_progress",
                           "E1001": "not_started"}
        assert [r.person.employee_no for r in batches.may_not_act(batch, batches.results(batch))] == ["E2001"]


def test_demo_runs_a_batch_to_its_assessment_and_gives_meetings_statistics_and_a_lift(demo_app):
    """A closed batch of five (four passed, one failed and may not inspect), enough inspector exam
    attempts for the item analysis to flag a question, a meeting that confirmed and dismissed
    signals, and a suspension lift waiting for its second approver."""
    from trainer.batches import services as batches
    from trainer.batches.models import TrainingBatch
    from trainer.certification.models import LiftStatus, SuspensionLift
    from trainer.demo_training import AUTUMN_BATCH
    from trainer.exams import statistics
    from trainer.exams.models import ExamAttempt
    from trainer.meetings import services as meetings
    from trainer.meetings.models import CreditMeeting, SignalDecision

    app = demo_app
    with app.app_context():
        batch = db.session.scalar(select(TrainingBatch).where(TrainingBatch.name == AUTUMN_BATCH))
        results = {r.person.employee_no: r.result for r in batches.results(batch)}
        assert results == {"E4001": "passed", "E4002": "passed", "E4003": "passed", "E4004": "failed",
                           "E4005": "passed"}
        assert [r.person.employee_no for r in batches.may_not_act(batch, batches.results(batch))] == ["E4004"]
        attempts = db.session.scalar(select(func.count()).select_from(ExamAttempt).where(
            ExamAttempt.qualification == "inspector", ExamAttempt.passed.is_not(None)))
        assert attempts >= 30
        report = statistics.load("inspector", None, None)
        assert report.summary.attempts == attempts and any(item.flags for item in report.items)
        (meeting,) = db.session.scalars(select(CreditMeeting)).all()
        decided = {line.decision.decision for line in meetings.meeting_detail(meeting).decisions}
        assert decided == {SignalDecision.CONFIRMED, SignalDecision.DISMISSED}
        (lift,) = db.session.scalars(select(SuspensionLift)).all()
        assert lift.status is LiftStatus.PENDING

