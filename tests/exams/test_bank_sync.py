"""Loading the bank: edits make new versions; attempts keep what they showed."""
from datetime import datetime, timezone

from sqlalchemy import select

from trainer.exams import services as exams
from trainer.exams.models import ExamAttempt, Question, QuestionVersion
from trainer.extensions import db
from trainer.library import read_all, sync_all

from tests import factories
from tests.factories import read_modules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_editing_a_question_adds_a_version_and_past_attempts_keep_theirs(ctx):
    factories.load_content()
    person = factories.user()
    read_modules(person, "inspector")
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    shown = exams.items_of(attempt)[0].question_version
    sources = read_all()
    edited = next(q for q in sources.questions if q.qid == db.session.get(Question, shown.question_id).qid)
    edited.body = {**edited.body, "text": {"es": "Texto corregido", "en": "Corrected text"}}
    _, report = sync_all(sources)
    assert report.new_version == [edited.qid] and report.unchanged == len(sources.questions) - 1
    versions = db.session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == shown.question_id)
                                  .order_by(QuestionVersion.version)).all()
    assert [v.version for v in versions] == [1, 2] and versions[1].body["text"]["en"] == "Corrected text"
    assert exams.items_of(attempt)[0].question_version.body["text"] == shown.body["text"]


def test_a_question_removed_from_the_bank_is_retired_not_deleted(ctx):
    factories.load_content()
    sources = read_all()
    removed = sources.questions.pop()
    # Keep the blueprint drawable: the module still has plenty of questions.
    _, report = sync_all(sources)
    assert report.retired == [removed.qid]
    question = db.session.scalar(select(Question).where(Question.qid == removed.qid))
    assert question is not None and not question.active


def test_cli_close_overdue(app, runner):
    with app.app_context():
        factories.load_content()
        person = factories.user()
        read_modules(person, "inspector")
        attempt_id = exams.start_attempt(person, "inspector", now=NOW).id
        db.session.commit()
    result = runner.invoke(args=["trainer", "close-overdue"])
    assert result.exit_code == 0 and "Closed 1 overdue attempt(s)." in result.output
    with app.app_context():  # the command committed what it closed
        assert db.session.get(ExamAttempt, attempt_id).closed_by == "deadline"


def test_cli_check_content_reports_bank_problems(app, runner, tmp_path):
    import shutil

    bank = tmp_path / "question_bank"
    shutil.copytree(app.config["QUESTION_BANK_DIR"], bank)
    path = bank / "early-warning.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: ew-002", "id: ew-001", 1), encoding="utf-8")
    app.config["QUESTION_BANK_DIR"] = bank
    result = runner.invoke(args=["trainer", "check-content"])
    assert result.exit_code == 1
    assert "early-warning.yaml" in result.output and "duplicate id 'ew-001'" in result.output
