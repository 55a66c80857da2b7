"""Autosaves racing the submit of the same attempt: the grade is always the grade
of the answers stored, and an autosave that lost the race is told so."""
import queue
from datetime import datetime, timedelta, timezone

from trainer.people.models import User
from trainer.exams import answering
from trainer.exams import services as exams
from trainer.exams.grading import grade
from trainer.exams.models import AttemptStatus, ExamAttempt
from trainer.extensions import db

from tests import factories
from tests.concurrency import run_concurrently
from tests.factories import answers, read_modules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ROUNDS = 30
RACERS = 4  # autosaves per round, each fixing one wrong answer


def test_autosaves_racing_the_submit_never_change_graded_answers(app, ctx):
    factories.load_content()
    for round_ in range(ROUNDS):
        person = factories.user()  # a new person each round: no attempt limit or cooldown in the way
        read_modules(person, "inspector")
        person_id = person.id
        attempt = exams.start_attempt(person, "inspector", now=NOW)
        right, wrong = answers(attempt), answers(attempt, right=0)
        fixes = list(range(1, RACERS + 1))
        answering.save_answers(person, attempt.id, {**right, **{p: wrong[p] for p in fixes}}, now=NOW)
        db.session.commit()
        attempt_id = attempt.id

        jobs: queue.Queue = queue.Queue()
        for position in fixes:
            jobs.put(("save", position))
        jobs.put(("submit", None))

        def race():
            kind, position = jobs.get()
            me = db.session.get(User, person_id)
            later = NOW + timedelta(minutes=1)
            if kind == "submit":
                exams.submit(me, attempt_id, now=later)
                db.session.commit()
                return kind, position
            try:
                answering.save_answers(me, attempt_id, {position: right[position]}, now=later)
                db.session.commit()
                return "saved", position
            except exams.ExamError as error:
                assert error.code == "closed"
                return "refused", position

        outcomes, errors = run_concurrently(app, RACERS + 1, race)
        assert errors == [], f"round {round_}: {errors!r}"

        db.session.expire_all()
        done = db.session.get(ExamAttempt, attempt_id)
        items = exams.items_of(done)
        regraded = grade([(i.position, i.question_version.body, i.selected) for i in items], done.pass_mark)
        assert done.status is AttemptStatus.SUBMITTED
        assert (done.correct_count, done.score, done.passed) == (
            regraded.correct_count, regraded.score, regraded.passed), f"round {round_}: {outcomes}"
        assert [i.correct for i in items] == [g.correct for g in regraded.items], f"round {round_}"
        stored = {i.position: i.selected for i in items}
        for outcome, position in outcomes:
            if outcome == "saved":  # reported saved: it is stored, and it was graded
                assert sorted(stored[position]) == right[position], f"round {round_}: {outcomes}"
            elif outcome == "refused":  # refused: nothing written
                assert sorted(stored[position]) == wrong[position], f"round {round_}: {outcomes}"
