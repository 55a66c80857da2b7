"""Exam attempts: eligibility, the frozen draw, deadlines and integrity."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from trainer.people.models import Role, User
from trainer.certification.models import Certificate
from trainer.certification import services as certification
from trainer.exams import answering
from trainer.exams import services as exams
from trainer.exams.models import AttemptItem, AttemptStatus, ExamAttempt, QuestionVersion
from trainer.extensions import db

from tests import factories
from tests.concurrency import run_concurrently
from tests.factories import answers, read_modules, sit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_cannot_start_without_the_modules(ctx):
    factories.load_content()
    newcomer = factories.user()
    check = exams.eligibility(newcomer, "inspector", NOW)
    assert not check.can_start and len(check.missing_modules) == 6
    with pytest.raises(exams.ExamError):
        exams.start_attempt(newcomer, "inspector", now=NOW)


def test_the_draw_follows_the_blueprint_and_is_frozen(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    items = exams.items_of(attempt)
    blueprint = certification.definition("inspector").exam
    assert len(items) == attempt.question_count == blueprint.question_count
    assert len({i.question_version.question_id for i in items}) == blueprint.question_count
    assert attempt.deadline_at == NOW + timedelta(minutes=blueprint.time_limit_minutes)
    # Editing a question later creates a new version; the attempt keeps the one it showed.
    first = items[0].question_version
    db.session.add(QuestionVersion(question_id=first.question_id, version=99, content_hash="x", body=first.body))
    db.session.commit()
    assert exams.items_of(attempt)[0].question_version_id == first.id


def test_second_start_resumes_the_same_attempt(person):
    first = exams.start_attempt(person, "inspector", now=NOW)
    again = exams.start_attempt(person, "inspector", now=NOW + timedelta(minutes=1))
    assert again.id == first.id


def test_autosave_and_resume(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    chosen = answers(attempt)
    count = answering.save_answers(person, attempt.id, {1: chosen[1], 2: chosen[2]}, now=NOW)
    assert count == 2
    assert answering.save_answers(person, attempt.id, {2: []}, now=NOW) == 1  # clearing an answer


def test_fail_then_cooldown_then_pass(person):
    failed = sit(person, "inspector", NOW, right=5)
    assert failed.passed is False and failed.score == 25
    waiting = exams.eligibility(person, "inspector", NOW + timedelta(minutes=5))
    assert waiting.cooldown_until == NOW + timedelta(minutes=15)
    with pytest.raises(exams.ExamError):
        exams.start_attempt(person, "inspector", now=NOW + timedelta(minutes=5))
    passed = sit(person, "inspector", NOW + timedelta(minutes=16))
    assert passed.passed and passed.score == 100
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_attempts_per_window(person):
    for n in range(3):
        sit(person, "inspector", NOW + timedelta(hours=n), right=0)
    check = exams.eligibility(person, "inspector", NOW + timedelta(hours=5))
    assert check.attempts_left == 0 and check.next_attempt_from == NOW + timedelta(days=30)


def test_extra_time_accommodation_extends_the_deadline(person):
    hr = factories.user(Role.HR)
    exams.grant_accommodation(person, 50, "Visual impairment", hr)
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    assert attempt.deadline_at == NOW + timedelta(minutes=45) and attempt.extra_minutes == 15


# --- tampering ---------------------------------------------------------------

def test_answering_a_question_not_in_the_attempt_is_refused(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    with pytest.raises(exams.ExamError) as caught:
        answering.save_answers(person, attempt.id, {999: ["a"]}, now=NOW)
    assert caught.value.code == "unknown_question"


def test_changed_option_ids_are_refused_and_nothing_is_saved(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    good = answers(attempt)
    with pytest.raises(exams.ExamError) as caught:
        answering.save_answers(person, attempt.id, {1: good[1], 2: ["zz"]}, now=NOW)
    assert caught.value.code == "unknown_option"
    assert db.session.scalar(select(func.count()).select_from(AttemptItem).where(AttemptItem.selected.is_not(None))) == 0


def test_two_options_on_a_single_choice_question_are_refused(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    single = next(i for i in exams.items_of(attempt) if i.question_version.body["kind"] == "single")
    with pytest.raises(exams.ExamError):
        answering.save_answers(person, attempt.id, {single.position: single.option_order[:2]}, now=NOW)


def test_someone_elses_attempt_is_not_found(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    intruder = factories.user()
    for action in (lambda: answering.save_answers(intruder, attempt.id, {1: []}, now=NOW),
                   lambda: exams.submit(intruder, attempt.id, now=NOW)):
        with pytest.raises(exams.ExamError) as caught:
            action()
        assert caught.value.code == "not_found"
    assert db.session.get(ExamAttempt, attempt.id).status is AttemptStatus.IN_PROGRESS


def test_answers_after_the_deadline_are_refused_and_the_attempt_is_graded_as_saved(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    good = answers(attempt)
    answering.save_answers(person, attempt.id, {p: good[p] for p in range(1, 16)}, now=NOW + timedelta(minutes=10))
    late = NOW + timedelta(minutes=31)
    with pytest.raises(exams.ExamError) as caught:
        answering.save_answers(person, attempt.id, {16: good[16]}, now=late)
    assert caught.value.code == "time_up"
    closed = db.session.get(ExamAttempt, attempt.id)
    assert closed.status is AttemptStatus.SUBMITTED and closed.closed_by == "deadline"
    assert (closed.correct_count, closed.score, closed.passed) == (15, 75, True)


def test_replaying_a_submit_returns_the_same_result(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    answering.save_answers(person, attempt.id, answers(attempt), now=NOW)
    first = exams.submit(person, attempt.id, now=NOW + timedelta(minutes=1))
    again = exams.submit(person, attempt.id, now=NOW + timedelta(minutes=2))
    assert again.id == first.id and again.submitted_at == first.submitted_at
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    with pytest.raises(exams.ExamError):
        answering.save_answers(person, attempt.id, {1: []}, now=NOW + timedelta(minutes=2))


def test_grace_policy_accepts_submission_but_not_answers(person):
    from tests.factories import qualify

    qualify(person, "inspector", NOW)
    read_modules(person, "supervisor")
    attempt = exams.start_attempt(person, "supervisor", now=NOW + timedelta(hours=1))
    in_grace = attempt.deadline_at + timedelta(minutes=1)
    with pytest.raises(exams.ExamError):
        answering.save_answers(person, attempt.id, {1: []}, now=in_grace)
    submitted = exams.submit(person, attempt.id, now=in_grace)
    assert submitted.closed_by == "person"


def test_close_overdue_grades_open_attempts(person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    assert exams.close_overdue(now=NOW + timedelta(minutes=29)) == 0
    assert exams.close_overdue(now=NOW + timedelta(minutes=31)) == 1
    assert db.session.get(ExamAttempt, attempt.id).passed is False


def test_concurrent_submits_grade_once(app, person):
    attempt = exams.start_attempt(person, "inspector", now=NOW)
    answering.save_answers(person, attempt.id, answers(attempt), now=NOW)
    db.session.commit()
    person_id, attempt_id = person.id, attempt.id

    def submit():
        done = exams.submit(db.session.get(User, person_id), attempt_id, now=NOW + timedelta(minutes=2))
        db.session.commit()
        return done.score, done.submitted_at

    results, errors = run_concurrently(app, 6, submit)
    assert errors == [] and len(results) == 6 and len(set(results)) == 1
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_concurrent_starts_open_one_attempt(app, person):
    person_id = person.id

    def start():
        started = exams.start_attempt(db.session.get(User, person_id), "inspector", now=NOW)
        db.session.commit()
        return started.id

    ids, errors = run_concurrently(app, 4, start)
    assert errors == [] and len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 1
