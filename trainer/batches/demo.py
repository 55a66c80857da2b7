"""A demo batch of five people with mixed results, built through the real services."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from trainer.people.models import User
from trainer.batches import services
from trainer.batches.models import TrainingBatch
from trainer.extensions import db

# Who, and how they sit the exam within the window: None = not at all, True = pass, False = fail (three times).
MEMBERS = {"E1002": True, "E2001": False, "E3001": None, "S0001": None, "E1001": None}


def seed_demo_batch(today: date) -> None:
    if db.session.scalar(select(TrainingBatch.id).limit(1)) is not None:
        return
    people = {u.employee_no: u for u in db.session.scalars(select(User).where(User.employee_no.in_([*MEMBERS, "H0001"])))}
    starts_on = today - timedelta(days=10)
    # Created as on its start day, when that day was not yet past.
    batch = services.create_batch(people["H0001"], "Inspectores — renovación y nuevas incorporaciones", "inspector",
                                  starts_on, today + timedelta(days=10), today=starts_on)
    services.add_members(batch, people["H0001"], [people[n].id for n in MEMBERS])
    exam_day = datetime.combine(today - timedelta(days=3), time(9), tzinfo=timezone.utc)
    for number, passes in MEMBERS.items():
        if passes is not None:
            for n in range(1 if passes else 3):
                _sit(people[number], exam_day + timedelta(hours=2 * n), passes)
    db.session.commit()  # a seeding step of the demo command: the batch and its members' exams, or nothing


def _sit(person: User, now: datetime, right: bool) -> None:
    from trainer.exams import answering
    from trainer.exams import services as exams
    from trainer.exams.grading import correct_option_ids

    attempt = exams.start_attempt(person, "inspector", now=now)
    answers = {}
    for item in exams.items_of(attempt):
        correct = sorted(correct_option_ids(item.question_version.body))
        answers[item.position] = correct if right else [o for o in item.option_order if o not in correct][:1]
    answering.save_answers(person, attempt.id, answers, now=now)
    exams.submit(person, attempt.id, now=now)
