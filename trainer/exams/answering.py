"""Saving answers: the hot path of an exam, a request every time a person picks an option.

What a save checks never changes once the attempt has started: whose it is, its deadlines, the
questions asked and their options (`AnswerSheet`, kept per process). What can change, the attempt
being submitted, is checked by the write itself: one UPDATE of the answers, guarded in its own WHERE
(still the person's, open, before its deadline), returning how many other questions are answered.
So a save is the session check and that one statement (`transactions.one_write`).

A save and the submit of the same attempt serialise on the attempt's row. On PostgreSQL the write
locks it in its guard (FOR SHARE): a submit's flip to "submitted" waits until the save commits and
then grades what it wrote, and a save that comes after the flip waits for the submit to commit and
then finds the attempt closed. Without it a save could commit its answers after the grader had read
the old ones. A save that is `submitting` (the submit view saves the page's answers first, then
flips the row in the same transaction) locks it for update instead (FOR NO KEY UPDATE): two of them
(a double click on "submit") wait for each other in turn, where two shared locks each waiting to
become the flip would deadlock. SQLite runs one writing transaction at a time: the guard is the check.

Also on PostgreSQL, a save's commit does not wait for the WAL to reach the disk (`set_config` in the
same statement, for its transaction only), which is most of its time: what SQLite's default
(synchronous=NORMAL) does for every commit. A crash of the database server can lose the last fraction
of a second of saves, never half of one. The submit carries every answer of the page again and
commits durably, which makes every earlier save durable too (the WAL is flushed in order).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from flask import current_app
from sqlalchemy import bindparam, case, func, select, update

from trainer import transactions
from trainer.dbutil import commit_durably
from trainer.exams.models import AttemptItem, AttemptStatus, ExamAttempt, QuestionVersion
from trainer.exams.services import ExamError, close_if_overdue, forget_items
from trainer.extensions import db
from trainer.people.models import User
from trainer.timeutil import utcnow


@dataclass(frozen=True)
class SavedAnswers:
    answered: int  # questions of the attempt with an answer, this save's included
    deadline_at: datetime  # the attempt's deadlines, for the page's clock (a save never moves them)
    submit_until: datetime


@dataclass(frozen=True)
class Asked:
    """One question of the attempt as a save needs it: where to write, and what may be chosen."""
    item_id: int
    option_order: tuple[str, ...]
    kind: str  # single | multiple | true_false, from the frozen version


@dataclass(frozen=True)
class AnswerSheet:
    """What a save checks that never changes once the attempt has started: whose it is and the questions
    asked (rows written with the attempt, never after; attempts are never deleted). Kept per process,
    read once per attempt. The deadlines are not here: the write's guard reads them."""
    user_id: int
    asked: dict[int, Asked]  # by position


def save_answers(user: User, attempt_id: int, answers: dict[int, list[str]], now: datetime | None = None,
                 submitting: bool = False) -> int:
    """Save answers {position: [option ids]}; returns how many questions are answered.

    Refused (nothing written) when the attempt is not the person's, is closed,
    is past its deadline, or an answer names a question or option that is not
    in the attempt. Past the deadline and any grace, the attempt is closed and
    graded first; that refusal keeps the closure (`keeps_changes`).
    `submitting`: the caller submits the attempt next, in the same transaction (see the module's notes).
    """
    return record_answers(user, attempt_id, answers, now, submitting).answered


def record_answers(user: User, attempt_id: int, answers: dict[int, list[str]],
                   now: datetime | None = None, submitting: bool = False) -> SavedAnswers:
    """`save_answers`, also giving the attempt's deadlines."""
    now = now or utcnow()
    sheet = answer_sheet(user.id, attempt_id)
    for position, selected in answers.items():
        check_answer(sheet.asked.get(position), position, selected)
    connection = db.session.connection()
    if not answers:  # the page's heartbeat: nothing to write, the count and the clock
        state = connection.execute(_answered_if_open(), {"of_attempt": attempt_id, "now": now}).first()
        if state is None:
            _refuse(attempt_id, now)
        return SavedAnswers(state.answered, state.deadline_at, state.submit_until)
    ordered = sorted(answers.items())  # one order of rows: two saves never deadlock on items
    params = {"of_attempt": attempt_id, "of_user": user.id, "now": now, "positions": [p for p, _ in ordered]}
    for i, (position, selected) in enumerate(ordered):
        asked = sheet.asked[position]
        params.update({f"item_{i}": asked.item_id, f"at_{i}": now if selected else None,
                       f"chosen_{i}": [o for o in asked.option_order if o in selected] or None})
    written = connection.execute(_write(len(ordered), connection.dialect.name == "postgresql", submitting),
                                 params).all()
    if len(written) != len(ordered):  # the guard refused (the rows of one attempt pass it or fail it together)
        _refuse(attempt_id, now)
    forget_items(attempt_id)
    first = written[0]
    return SavedAnswers(first.answered_elsewhere + sum(1 for _, selected in ordered if selected),
                        first.deadline_at, first.submit_until)


def check_answer(asked: Asked | None, position: int, selected: list[str]) -> None:
    """The rules one answer must pass before anything is written (ExamError if it does not)."""
    if asked is None:
        raise ExamError("unknown_question", position=position)
    if len(set(selected)) != len(selected) or not set(selected) <= set(asked.option_order):
        raise ExamError("unknown_option", position=position)
    if asked.kind != "multiple" and len(selected) > 1:
        raise ExamError("one_option_only", position=position)


def answer_sheet(user_id: int, attempt_id: int) -> AnswerSheet:
    """The attempt's `AnswerSheet`, read once per process; someone else's attempt is not found."""
    sheet = _kept_sheet(current_app.extensions.setdefault("trainer.app", object()), attempt_id)
    if sheet.user_id != user_id:
        raise ExamError("not_found")
    return sheet


@functools.lru_cache(maxsize=4096)
def _kept_sheet(_app: object, attempt_id: int) -> AnswerSheet:
    """Read from the app's database (`_app` keys the cache: a test's app and database are its own);
    an attempt not found raises, and is not kept."""
    rows = db.session.connection().execute(_sheet_query(), {"attempt_id": attempt_id}).all()
    if not rows:
        raise ExamError("not_found")
    first = rows[0]
    return AnswerSheet(first.user_id, {
        row.position: Asked(row.item_id, tuple(row.option_order), row.kind) for row in rows if row.item_id})


def _refuse(attempt_id: int, now: datetime) -> NoReturn:
    """Why the guard refused: the attempt is closed, or its time is up (then, past the grace too, it is
    closed and graded first, and the refusal keeps that)."""
    status, deadline_at, submit_until = db.session.execute(_state_query(), {"of_attempt": attempt_id}).one()
    if status is not AttemptStatus.IN_PROGRESS or now <= deadline_at:
        raise ExamError("closed")
    if now > submit_until:
        transactions.transaction_from_here()  # the closure writes several rows, which must stand together
        if _may_close_now(attempt_id):
            commit_durably()  # the closure grades, and may grant a certificate
            close_if_overdue(db.session.get(ExamAttempt, attempt_id), now)
    raise ExamError("time_up", keeps_changes=True)


def _may_close_now(attempt_id: int) -> bool:
    """Whether this save may close the overdue attempt now. On PostgreSQL an earlier save of the same
    transaction (a service's caller) may hold the shared lock, and so may another one's, and two of them
    each waiting to flip the row would deadlock: then neither closes it here, and the next page, submit
    or close-overdue does."""
    return db.session.scalar(select(ExamAttempt.id).where(ExamAttempt.id == attempt_id)
                             .with_for_update(key_share=True, skip_locked=True)) is not None


# --- the statements, built once (building one costs more than running it) ----------------------------

@functools.cache
def _sheet_query():
    return (select(ExamAttempt.user_id, AttemptItem.id.label("item_id"), AttemptItem.position, AttemptItem.option_order,
                   QuestionVersion.body["kind"].as_string().label("kind"))
            .select_from(ExamAttempt)
            .outerjoin(AttemptItem, AttemptItem.attempt_id == ExamAttempt.id)
            .outerjoin(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(ExamAttempt.id == bindparam("attempt_id")))


def _open_attempt(postgresql: bool, submitting: bool):
    """The attempt, if it is the person's, open and in time; locked on PostgreSQL (see the module's notes)."""
    query = select(ExamAttempt.id).where(
        ExamAttempt.id == bindparam("of_attempt"), ExamAttempt.user_id == bindparam("of_user"),
        ExamAttempt.status == AttemptStatus.IN_PROGRESS, ExamAttempt.deadline_at >= bindparam("now"))
    if postgresql:
        query = query.with_for_update(**({"key_share": True} if submitting else {"read": True}))
    return query


def _relaxed_commit():
    return func.set_config("synchronous_commit", "off", True).label("relaxed_commit")


@functools.cache
def _write(n: int, postgresql: bool, submitting: bool):
    """The answers of `n` questions in one UPDATE (item_i, chosen_i, at_i), returning per row written how
    many of the attempt's other questions are answered, and its deadlines (for the page's clock)."""
    items, attempts = AttemptItem.__table__, ExamAttempt.__table__
    answered = items.alias("answered")
    elsewhere = (select(func.count()).select_from(answered)
                 .where(answered.c.attempt_id == bindparam("of_attempt"), answered.c.selected.is_not(None),
                        answered.c.position.not_in(bindparam("positions", expanding=True))))
    returned = [elsewhere.scalar_subquery().label("answered_elsewhere")] + [
        select(column).where(attempts.c.id == bindparam("of_attempt")).scalar_subquery().label(column.name)
        for column in (attempts.c.deadline_at, attempts.c.submit_until)]
    if postgresql and not submitting:  # a submitting save's transaction grades: its commit stays durable
        returned.append(_relaxed_commit())
    ids = [bindparam(f"item_{i}") for i in range(n)]
    return (update(items)
            .where(items.c.id.in_(ids), items.c.attempt_id.in_(_open_attempt(postgresql, submitting)))
            .values(selected=case(*((items.c.id == ids[i], bindparam(f"chosen_{i}", type_=items.c.selected.type))
                                    for i in range(n))),
                    answered_at=case(*((items.c.id == ids[i], bindparam(f"at_{i}", type_=items.c.answered_at.type))
                                       for i in range(n))))
            .returning(*returned))


@functools.cache
def _answered_if_open():
    """How many questions are answered and the deadlines, if the attempt is open and in time (else no row)."""
    return (select(func.count(AttemptItem.selected).label("answered"), ExamAttempt.deadline_at,
                   ExamAttempt.submit_until).select_from(ExamAttempt)
             .join(AttemptItem, AttemptItem.attempt_id == ExamAttempt.id)
             .where(ExamAttempt.id == bindparam("of_attempt"), ExamAttempt.status == AttemptStatus.IN_PROGRESS,
                    ExamAttempt.deadline_at >= bindparam("now"))
             .group_by(ExamAttempt.id, ExamAttempt.deadline_at, ExamAttempt.submit_until))


@functools.cache
def _state_query():
    return select(ExamAttempt.status, ExamAttempt.deadline_at, ExamAttempt.submit_until).where(
        ExamAttempt.id == bindparam("of_attempt"))
