"""Exam rules: loading the bank, who may start, drawing, saving answers,
submitting exactly once, and closing overdue attempts.

Integrity comes from the database, not from the browser:
- the draw is frozen in `attempt_items` when the attempt starts;
- answers are written only while the attempt is open and before its deadline;
- submission is a conditional UPDATE (`status = 'in_progress'`), so of two
  concurrent submits exactly one grades and the other reads its result;
- a save and the submit of the same attempt serialise on the attempt's row
  (see trainer/exams/answering.py), so the grade is always the grade of the answers stored.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from trainer.audit_log import services as audit_trail
from trainer.people.models import User
from trainer.certification import services as certification
from trainer.certification.definitions import Qualification
from trainer.content.models import Module
from trainer.content.services import has_completed_current
from trainer.exams.bank import QuestionSource
from trainer.exams.drawing import Candidate, PoolTooSmall, draw
from trainer.exams.grading import grade
from trainer.exams.models import (Accommodation, AllowanceKind, AttemptItem, AttemptStatus, ExamAllowance, ExamAttempt,
                                  Question, QuestionVersion)
from trainer.extensions import db
from trainer.refusals import Refusal
from trainer.timeutil import utcnow


class ExamError(Refusal):
    """A request the rules refuse. `code` selects the message shown to the person (exams/messages)."""

    def __init__(self, code: str, *, keeps_changes: bool | None = None, **details):
        self.details = details
        super().__init__(code, code, keeps_changes=keeps_changes)


# --- loading the bank ---------------------------------------------------------

@dataclass
class BankReport:
    added: list[str] = field(default_factory=list)
    new_version: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)


def sync_questions(sources: list[QuestionSource]) -> BankReport:
    """Bring questions in line with the bank; an edited question gets a new version.
    Runs in the caller's transaction."""
    report = BankReport()
    modules = {m.slug: m.id for m in db.session.scalars(select(Module))}
    existing = {q.qid: q for q in db.session.scalars(select(Question))}
    hashes = dict(db.session.execute(
        select(Question.id, QuestionVersion.content_hash).join(QuestionVersion, and_(
            QuestionVersion.question_id == Question.id, QuestionVersion.version == Question.current_version))).all())
    changed: list[tuple[Question, QuestionSource]] = []
    for source in sources:
        question = existing.get(source.qid)
        if question is None:
            question = Question(qid=source.qid, current_version=1)
            db.session.add(question)
            report.added.append(source.qid)
            changed.append((question, source))
        elif hashes.get(question.id) != source.content_hash:
            question.current_version += 1
            report.new_version.append(source.qid)
            changed.append((question, source))
        else:
            report.unchanged += 1
        question.module_id, question.level, question.difficulty = modules[source.module], source.level, source.difficulty
        question.kind, question.tags, question.active = source.kind, source.tags, True
    db.session.flush()  # one flush gives every new question its id
    for question, source in changed:
        db.session.add(QuestionVersion(question_id=question.id, version=question.current_version,
                                       content_hash=source.content_hash, body=source.body))
    present = {s.qid for s in sources}
    for qid, question in existing.items():
        if qid not in present and question.active:
            question.active = False
            report.retired.append(qid)
    return report


# --- who may start ------------------------------------------------------------

@dataclass
class Eligibility:
    qualification: Qualification
    open_attempt: ExamAttempt | None = None
    missing_modules: list[Module] = field(default_factory=list)
    missing_prerequisites: list[str] = field(default_factory=list)
    renewal_opens_on: object = None  # a date while an active certificate is outside its window
    cooldown_until: datetime | None = None
    next_attempt_from: datetime | None = None  # when the attempt limit frees up
    attempts_left: int = 0  # within the blueprint's limit, plus extra attempts HR granted
    extra_attempts: int = 0  # extra attempts HR granted and not yet used (counted in attempts_left)
    cooldown_waived: bool = False  # HR reset the cooldown after the last failed attempt

    @property
    def can_start(self) -> bool:
        return (self.qualification.exam is not None and self.open_attempt is None and not self.missing_modules
                and not self.missing_prerequisites and self.renewal_opens_on is None
                and self.cooldown_until is None and self.next_attempt_from is None)


def eligibility(user: User, code: str, now: datetime | None = None) -> Eligibility:
    now = now or utcnow()
    qualification = certification.definition(code)
    result = Eligibility(qualification)
    exam = qualification.exam
    if exam is None:
        return result
    result.open_attempt = open_attempt(user.id, code)
    _, result.missing_modules = has_completed_current(user.id, code)
    day = certification.today(now)
    result.missing_prerequisites = [p for p in qualification.prerequisites if not certification.is_qualified(user, p, day)]
    standing = certification.standing(user.id, code, day)
    if standing.state == certification.ACTIVE:
        result.renewal_opens_on = standing.renewal_opens_on
    recent = db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.user_id == user.id, ExamAttempt.qualification == code,
        ExamAttempt.started_at >= now - timedelta(days=exam.attempt_window_days),
    ).order_by(ExamAttempt.started_at)).all()
    allowances = _allowances(user.id, code)
    result.extra_attempts = sum(1 for a in allowances if a.kind is AllowanceKind.EXTRA_ATTEMPT
                                and a.used_by_attempt_id is None)
    result.attempts_left = max(0, exam.attempts_per_window - len(recent)) + result.extra_attempts
    if result.attempts_left == 0:
        result.next_attempt_from = recent[0].started_at + timedelta(days=exam.attempt_window_days)
    failed = [a for a in recent if a.passed is False and a.submitted_at is not None]
    if failed:
        until = failed[-1].submitted_at + timedelta(minutes=exam.cooldown_minutes)
        result.cooldown_waived = any(a.kind is AllowanceKind.COOLDOWN_RESET and a.granted_at >= failed[-1].submitted_at
                                     for a in allowances)
        if until > now and not result.cooldown_waived and not any(
                a.passed for a in recent if a.started_at > failed[-1].started_at):
            result.cooldown_until = until
    return result


def _allowances(user_id: int, code: str) -> list[ExamAllowance]:
    return list(db.session.scalars(select(ExamAllowance).where(
        ExamAllowance.user_id == user_id, ExamAllowance.qualification == code).order_by(ExamAllowance.id)))


def _within_limit(user_id: int, code: str, exam, now: datetime) -> bool:
    """Whether the blueprint's own limit (without extra attempts) still allows one more start."""
    used = db.session.scalar(select(func.count()).select_from(ExamAttempt).where(
        ExamAttempt.user_id == user_id, ExamAttempt.qualification == code,
        ExamAttempt.started_at >= now - timedelta(days=exam.attempt_window_days))) or 0
    return used < exam.attempts_per_window


def open_attempt(user_id: int, code: str) -> ExamAttempt | None:
    return db.session.scalar(select(ExamAttempt).where(
        ExamAttempt.user_id == user_id, ExamAttempt.qualification == code,
        ExamAttempt.status == AttemptStatus.IN_PROGRESS))


# --- starting -----------------------------------------------------------------

def start_attempt(user: User, code: str, now: datetime | None = None, rng: random.Random | None = None) -> ExamAttempt:
    """Draw the questions by the blueprint and freeze them. A second start while
    one is open (another tab) returns the open attempt."""
    now = now or utcnow()
    existing = open_attempt(user.id, code)
    if existing is not None:
        return close_if_overdue(existing, now)
    check = eligibility(user, code, now)
    if not check.can_start:
        # Another tab may have started one between the look above and this check.
        started_meanwhile = open_attempt(user.id, code)
        if started_meanwhile is not None:
            return close_if_overdue(started_meanwhile, now)
        raise ExamError("not_eligible", eligibility=check)
    exam = check.qualification.exam
    rng = rng or random.SystemRandom()
    drawn = _draw(exam, rng, avoid=shown_in_last_attempt(user.id, code) if exam.fresh_retry else set())
    needs_extra = not _within_limit(user.id, code, exam, now)
    accommodation = db.session.get(Accommodation, user.id)
    extra = (exam.time_limit_minutes * accommodation.extra_percent + 99) // 100 if accommodation else 0
    deadline = now + timedelta(minutes=exam.time_limit_minutes + extra)
    attempt = ExamAttempt(
        user_id=user.id, qualification=code, status=AttemptStatus.IN_PROGRESS, started_at=now,
        deadline_at=deadline, submit_until=deadline + timedelta(minutes=exam.grace_minutes), extra_minutes=extra,
        pass_mark=exam.pass_mark, review_policy=exam.review, question_count=len(drawn),
    )
    rng.shuffle(drawn)
    for position, version in enumerate(drawn, start=1):
        order = [o["id"] for o in version.body["options"]]
        if version.body["kind"] != "true_false":
            rng.shuffle(order)
        attempt.items.append(AttemptItem(position=position, question_version_id=version.id, option_order=order))
    # One savepoint for the attempt and the extra attempt it uses: losing either race undoes both, and only them.
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()  # the unique key on open attempts tells now whether another tab started one
            if needs_extra and not _use_extra_attempt(user.id, code, attempt.id):
                raise _ExtraAttemptTaken
    except IntegrityError:  # another tab started one at the same moment
        return open_attempt(user.id, code)
    except _ExtraAttemptTaken:  # another start used the last extra attempt first
        started_meanwhile = open_attempt(user.id, code)
        if started_meanwhile is not None:
            return close_if_overdue(started_meanwhile, now)
        raise ExamError("not_eligible", eligibility=eligibility(user, code, now)) from None
    return attempt


class _ExtraAttemptTaken(Exception):
    """Rolls back the savepoint of a start whose extra attempt another start used first."""


def _use_extra_attempt(user_id: int, code: str, attempt_id: int) -> bool:
    """Mark the oldest unused extra attempt as used by this attempt (a conditional UPDATE, so
    two starts never share one)."""
    for allowance_id in db.session.scalars(select(ExamAllowance.id).where(
            ExamAllowance.user_id == user_id, ExamAllowance.qualification == code,
            ExamAllowance.kind == AllowanceKind.EXTRA_ATTEMPT, ExamAllowance.used_by_attempt_id.is_(None))
            .order_by(ExamAllowance.id)):
        if db.session.execute(update(ExamAllowance).where(
                ExamAllowance.id == allowance_id, ExamAllowance.used_by_attempt_id.is_(None))
                .values(used_by_attempt_id=attempt_id).execution_options(synchronize_session=False)).rowcount == 1:
            return True
    return False


def shown_in_last_attempt(user_id: int, code: str) -> set[int]:
    """Question ids whose answers the result of the person's last submitted attempt showed
    (per that attempt's review policy: none, the wrongly answered ones, or all)."""
    from trainer.exams.presenters import answer_shown

    last = db.session.scalar(select(ExamAttempt).where(
        ExamAttempt.user_id == user_id, ExamAttempt.qualification == code,
        ExamAttempt.status == AttemptStatus.SUBMITTED).order_by(ExamAttempt.submitted_at.desc(), ExamAttempt.id.desc())
        .limit(1))
    if last is None:
        return set()
    rows = db.session.execute(select(QuestionVersion.question_id, AttemptItem.correct)
                              .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
                              .where(AttemptItem.attempt_id == last.id)).all()
    return {question_id for question_id, correct in rows if answer_shown(last.review_policy, correct)}


def _draw(exam, rng: random.Random, avoid: set[int] = frozenset()) -> list[QuestionVersion]:
    """The blueprint's rules (module, tags, minimum per tag) applied by exams.drawing to the
    current versions of the active questions, in a fixed order so a seeded draw repeats."""
    rows = db.session.execute(
        select(Question, QuestionVersion, Module.slug)
        .join(QuestionVersion, and_(QuestionVersion.question_id == Question.id,
                                    QuestionVersion.version == Question.current_version))
        .join(Module, Module.id == Question.module_id)
        .where(Question.active, Question.level.in_(exam.levels))
        .order_by(Question.qid)
    ).all()
    candidates = [Candidate(slug, q.level, tuple(q.tags or ()), v) for q, v, slug in rows]
    skip = {i for i, (q, _v, _slug) in enumerate(rows) if q.id in avoid}
    try:
        return draw(exam, candidates, rng, avoid=skip)
    except PoolTooSmall as error:
        raise ExamError("bank_too_small", module=error.rule.module) from None


# --- answering ----------------------------------------------------------------

def attempt_for(user: User, attempt_id: int) -> ExamAttempt:
    """The person's own attempt; anyone else's is reported as not found."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise ExamError("not_found")
    return attempt


def items_of(attempt: ExamAttempt, positions: set[int] | None = None) -> list[AttemptItem]:
    """The attempt's questions with their frozen versions (only `positions`, when given)."""
    from sqlalchemy.orm import joinedload

    query = (select(AttemptItem).options(joinedload(AttemptItem.question_version))
             .where(AttemptItem.attempt_id == attempt.id).order_by(AttemptItem.position))
    if positions is not None:
        query = query.where(AttemptItem.position.in_(positions))
    return list(db.session.scalars(query))


def forget_items(attempt_id: int) -> None:
    """Expire this attempt's items the session may hold: they were written around the ORM."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AttemptItem) and obj.attempt_id == attempt_id:
            db.session.expire(obj)


# --- submitting ---------------------------------------------------------------

def submit(user: User, attempt_id: int, now: datetime | None = None, closed_by: str = "person") -> ExamAttempt:
    """Submit and grade, exactly once. Repeating it returns the graded attempt.

    Past the deadline (and any grace), the attempt is closed by the deadline
    and graded with the answers saved in time.
    """
    now = now or utcnow()
    attempt = attempt_for(user, attempt_id)
    if attempt.status is AttemptStatus.SUBMITTED:
        return attempt
    if now > attempt.submit_until:
        closed_by = "deadline"
    return _close(attempt, now, closed_by)


def _close(attempt: ExamAttempt, now: datetime, closed_by: str) -> ExamAttempt:
    # The flip comes first and locks the row: saves still in flight commit before it
    # (see trainer/exams/answering.py), later ones are refused, so the answers read below are final.
    connection = db.session.connection()
    won = connection.execute(_FLIP, {"of_attempt": attempt.id, "at": now, "by": closed_by}).rowcount == 1
    if not won:  # someone else submitted it first (and committed: the flip waited for it): show their result
        db.session.expire(attempt)
        return db.session.get(ExamAttempt, attempt.id)
    # The answers and the frozen questions as rows (no ORM objects), graded, written back in two UPDATEs.
    rows = connection.execute(_TO_GRADE, {"of_attempt": attempt.id}).all()
    result = grade([(row.position, row.body, row.selected) for row in rows], attempt.pass_mark)
    right = [row.id for row, graded in zip(rows, result.items) if graded.correct]
    connection.execute(_MARK, {"of_attempt": attempt.id, "right": right})
    scores = {"correct_count": result.correct_count, "score": result.score, "passed": result.passed}
    connection.execute(_SCORE, {"of_attempt": attempt.id, "n_correct": result.correct_count, "pct": result.score,
                                "ok": result.passed})
    if result.passed:
        person = db.session.get(User, attempt.user_id, options=[lazyload(User.role_rows)])
        certification.grant_for_pass(person, attempt.qualification, attempt.id, now)
    # What was written, set on the loaded attempt as stored (no reload); its items are reloaded when asked for.
    for name, value in {"status": AttemptStatus.SUBMITTED, "submitted_at": now, "closed_by": closed_by, **scores}.items():
        set_committed_value(attempt, name, value)
    forget_items(attempt.id)
    return attempt


_ATTEMPTS, _ITEMS = ExamAttempt.__table__, AttemptItem.__table__
_FLIP = (update(_ATTEMPTS)
         .where(_ATTEMPTS.c.id == bindparam("of_attempt"), _ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS)
         .values(status=AttemptStatus.SUBMITTED, submitted_at=bindparam("at", type_=_ATTEMPTS.c.submitted_at.type),
                 closed_by=bindparam("by", type_=_ATTEMPTS.c.closed_by.type)))
_TO_GRADE = (select(_ITEMS.c.id, _ITEMS.c.position, _ITEMS.c.selected, QuestionVersion.body)
             .join(QuestionVersion, QuestionVersion.id == _ITEMS.c.question_version_id)
             .where(_ITEMS.c.attempt_id == bindparam("of_attempt")).order_by(_ITEMS.c.position))
_MARK = (update(_ITEMS).where(_ITEMS.c.attempt_id == bindparam("of_attempt"))
         .values(correct=_ITEMS.c.id.in_(bindparam("right", expanding=True))))
_SCORE = (update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("of_attempt"))
          .values(correct_count=bindparam("n_correct", type_=_ATTEMPTS.c.correct_count.type),
                  score=bindparam("pct", type_=_ATTEMPTS.c.score.type),
                  passed=bindparam("ok", type_=_ATTEMPTS.c.passed.type)))


def close_if_overdue(attempt: ExamAttempt, now: datetime | None = None) -> ExamAttempt:
    now = now or utcnow()
    if attempt.status is AttemptStatus.IN_PROGRESS and now > attempt.submit_until:
        return _close(attempt, now, "deadline")
    return attempt


def close_overdue(now: datetime | None = None) -> int:
    """Close and grade every attempt past its deadline (and grace). Returns how many."""
    now = now or utcnow()
    overdue = db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.status == AttemptStatus.IN_PROGRESS, ExamAttempt.submit_until < now)).all()
    closed = 0
    for attempt in overdue:
        if close_if_overdue(attempt, now).closed_by == "deadline":
            closed += 1
    return closed


def attempts_of(user_id: int) -> list[ExamAttempt]:
    return list(db.session.scalars(select(ExamAttempt).where(ExamAttempt.user_id == user_id)
                                   .order_by(ExamAttempt.started_at.desc())))


def grant_accommodation(person: User, extra_percent: int, reason: str, granted_by: User) -> Accommodation:
    if granted_by.id == person.id:
        raise ExamError("self")  # extra exam time for oneself is never one's own decision
    if not 0 < extra_percent <= 200:
        raise ExamError("bad_accommodation")
    if not reason.strip():
        raise ExamError("reason_required")
    row = db.session.get(Accommodation, person.id) or Accommodation(user_id=person.id)
    before = {"extra_percent": row.extra_percent, "reason": row.reason} if row.extra_percent else {}
    row.extra_percent, row.reason, row.granted_by_id, row.granted_at = extra_percent, reason.strip(), granted_by.id, utcnow()
    db.session.add(row)
    audit_trail.record("accommodation.granted", f"user:{person.id}", actor=granted_by, person=person, before=before,
                       after={"extra_percent": extra_percent, "reason": row.reason})
    return row


# --- HR levers: an extra attempt, a cooldown reset -----------------------------

def _grant(kind: AllowanceKind, person: User, code: str, reason: str, granted_by: User,
           now: datetime | None = None) -> ExamAllowance:
    now = now or utcnow()
    qualification = certification.definitions().get(code)
    if qualification is None or qualification.exam is None:
        raise ExamError("no_exam")
    if granted_by.id == person.id:
        raise ExamError("self")
    if not reason.strip():
        raise ExamError("reason_required")
    if kind is AllowanceKind.COOLDOWN_RESET and eligibility(person, code, now).cooldown_until is None:
        raise ExamError("no_cooldown")
    allowance = ExamAllowance(user_id=person.id, qualification=code, kind=kind, reason=reason.strip(),
                              granted_by_id=granted_by.id, granted_at=now)
    db.session.add(allowance)
    db.session.flush()
    audit_trail.record(f"exam.{kind.value}", f"user:{person.id}", actor=granted_by, person=person,
                       after={"qualification": code, "reason": allowance.reason, "allowance_id": allowance.id})
    return allowance


def grant_extra_attempt(person: User, code: str, reason: str, granted_by: User,
                        now: datetime | None = None) -> ExamAllowance:
    """One more attempt at this qualification's exam than the blueprint allows in its window;
    used up by the first start that needs it."""
    return _grant(AllowanceKind.EXTRA_ATTEMPT, person, code, reason, granted_by, now)


def reset_cooldown(person: User, code: str, reason: str, granted_by: User,
                   now: datetime | None = None) -> ExamAllowance:
    """Waive the wait after the person's last failed attempt (refused when there is none to wait)."""
    return _grant(AllowanceKind.COOLDOWN_RESET, person, code, reason, granted_by, now)


def allowances_of(user_id: int) -> list[ExamAllowance]:
    return list(db.session.scalars(select(ExamAllowance).where(ExamAllowance.user_id == user_id)
                                   .order_by(ExamAllowance.granted_at.desc(), ExamAllowance.id.desc())))
