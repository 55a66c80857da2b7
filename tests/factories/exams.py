"""Sitting exams through the real services: answers, a graded attempt, a pass."""
from __future__ import annotations

from datetime import datetime

from trainer.exams import answering
from trainer.exams import services as exams
from trainer.exams.grading import correct_option_ids
from trainer.extensions import db

from tests.factories.content import read_modules


def answers(attempt, right: int | None = None) -> dict[int, list[str]]:
    """Answers for every question; the first `right` correct (all when None), the rest wrong."""
    result = {}
    for item in exams.items_of(attempt):
        correct = sorted(correct_option_ids(item.question_version.body))
        wrong = [o for o in item.option_order if o not in correct][:1]
        result[item.position] = correct if right is None or item.position <= right else wrong
    return result


def sit(person, code: str, now: datetime, right: int | None = None):
    """Start an attempt, answer, submit; returns the graded attempt."""
    attempt = exams.start_attempt(person, code, now=now)
    answering.save_answers(person, attempt.id, answers(attempt, right), now=now)
    graded = exams.submit(person, attempt.id, now=now)
    db.session.commit()
    return graded


def qualify(person, code: str, now: datetime):
    """Read the modules and pass the exam: the certificate a pass grants."""
    read_modules(person, code)
    return sit(person, code, now)
