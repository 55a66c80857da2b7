"""The rules of training batches: who may be in one, and each member's result.

A batch is assessed by its qualification's exam sat within the batch window
(start to due date, bank days, inclusive). Results for a whole batch are read
in a fixed number of queries, whatever its size. Whether a member may act
today is never decided here: it is the certification gate's answer
(trainer/certification/standing.py), asked for every member in one query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, exists, func, select

from trainer import spreadsheets
from trainer import events
from trainer.people.models import Role, User, UserRole
from trainer.batches.models import TrainingBatch, TrainingBatchMember, TrainingBatchModule
from trainer.certification import services as certification
from trainer.certification import standing as rules
from trainer.certification.models import Certificate, CertificateStatus
from trainer.content import services as content
from trainer.content.models import Module, ModuleCompletion, ReadAssignment
from trainer.content.services import qualification_modules  # a batch's default modules
from trainer.exams.models import AttemptStatus, ExamAttempt
from trainer.csv_import import RowError, accepted, check_rows, csv_rows
from trainer.extensions import db
from trainer.refusals import Refusal
from trainer.security import scope_people

NAME_MAX = 200
PASSED, FAILED, IN_PROGRESS, NOT_STARTED = "passed", "failed", "in_progress", "not_started"
RESULT_LABELS = {PASSED: _l("Passed"), FAILED: _l("Failed"), IN_PROGRESS: _l("In progress"),
                 NOT_STARTED: _l("Not started")}


class BatchError(Refusal):
    """A batch change refused by a rule (the message is for the person who asked)."""

    default_code = "batch"


# --- creating a batch and its members --------------------------------------------

def create_batch(actor: User, name: str, qualification: str, starts_on: date, due_on: date,
                 module_ids: list[int] | None = None, today: date | None = None) -> TrainingBatch:
    """A new batch; flushed, not committed, so the caller adds its members in the same transaction."""
    today = today or certification.today()
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise BatchError(_l("Give the batch a name of at most %(max)d characters.", max=NAME_MAX))
    if qualification not in certification.definitions():
        raise BatchError(_l("Unknown qualification."))
    if starts_on < today:
        raise BatchError(_l("A new batch cannot start before today."))
    if due_on <= starts_on:
        raise BatchError(_l("The due date must be after the start date."))
    active = {m.id for m in content.active_modules()}
    chosen = sorted(set(module_ids)) if module_ids else [m.id for m in qualification_modules(qualification)]
    if any(module_id not in active for module_id in chosen):
        raise BatchError(_l("Choose modules from the current training modules."))
    if not chosen:
        raise BatchError(_l("Choose at least one module."))
    batch = TrainingBatch(name=name, qualification=qualification, starts_on=starts_on, due_on=due_on,
                          created_by_id=actor.id, module_rows=[TrainingBatchModule(module_id=m) for m in chosen])
    db.session.add(batch)
    db.session.flush()
    return batch


def eligible_people(viewer: User) -> Select:
    """Active staff the viewer may see (department scoping from trainer/security.py)."""
    is_staff = exists().where(UserRole.user_id == User.id, UserRole.role == Role.STAFF)
    return scope_people(select(User).where(User.active.is_(True), is_staff), viewer)


def candidates(viewer: User) -> list[User]:
    return list(db.session.scalars(eligible_people(viewer).order_by(User.full_name, User.employee_no)))


def department_people(viewer: User, department_id: int) -> list[int]:
    return list(db.session.scalars(eligible_people(viewer).where(User.department_id == department_id)
                                   .with_only_columns(User.id)))


def expiring_people(viewer: User, code: str, before: date, today: date | None = None) -> list[int]:
    """Recertification: people whose certificate of `code` in force today ends before `before`."""
    today = today or certification.today()
    held = select(Certificate.user_id).where(rules.in_force(Certificate, today, code),
                                             Certificate.status == CertificateStatus.ACTIVE,
                                             Certificate.expires_on < before)
    return list(db.session.scalars(eligible_people(viewer).where(User.id.in_(held)).with_only_columns(User.id)))


def people_from_csv(viewer: User, data: bytes) -> list[int]:
    """Employee numbers from a CSV with an `employee_no` column, all or nothing:
    raises ImportRejected with every bad line."""
    reader = csv_rows(data, ("employee_no",), optional=None)  # other columns (names, notes) are ignored
    seen: dict[str, int] = {}

    def number_on(record: dict, line: int, errors: list[RowError]) -> tuple[int, str] | None:
        number = (record.get("employee_no") or "").strip()
        if not number:
            return None
        if number.lower() in seen:
            errors.append(RowError(line, _l("employee_no '%(number)s' already appears on line %(first)s",
                                            number=number, first=seen[number.lower()])))
            return None
        seen[number.lower()] = line
        return line, number

    wanted, errors = check_rows(reader, number_on)
    lowered = [number.lower() for _, number in wanted]
    found = {u.employee_no.lower(): u for u in db.session.scalars(
        scope_people(select(User).where(func.lower(User.employee_no).in_(lowered)), viewer))} if lowered else {}
    eligible = set(db.session.scalars(eligible_people(viewer).where(User.id.in_([u.id for u in found.values()]))
                                      .with_only_columns(User.id))) if found else set()
    for line, number in wanted:
        person = found.get(number.lower())
        if person is None:
            errors.append(RowError(line, _l("unknown employee_no '%(number)s'", number=number)))
        elif person.id not in eligible:
            errors.append(RowError(line, _l("employee %(number)s is not active staff", number=number)))
    accepted(wanted, errors, _l("the file has a header but no people"))
    return [found[number.lower()].id for _, number in wanted]


@dataclass
class Added:
    added: int
    already: int


def add_members(batch: TrainingBatch, viewer: User, user_ids: list[int]) -> Added:
    """Add people (active staff the viewer may see); members already in are left as they are.
    Part of the caller's transaction."""
    wanted = set(user_ids)
    allowed = set(db.session.scalars(eligible_people(viewer).where(User.id.in_(wanted)).with_only_columns(User.id))) \
        if wanted else set()
    if wanted - allowed:
        raise BatchError(_l("Only active staff can be added to a batch."))
    present = set(db.session.scalars(select(TrainingBatchMember.user_id).where(
        TrainingBatchMember.batch_id == batch.id, TrainingBatchMember.user_id.in_(wanted)))) if wanted else set()
    for user_id in sorted(wanted - present):
        db.session.add(TrainingBatchMember(batch_id=batch.id, user_id=user_id))
    db.session.flush()
    events.send(events.batch_members_added, batch=batch, user_ids=sorted(wanted - present))  # told the due date
    return Added(added=len(wanted - present), already=len(present))


def all_batches() -> list[TrainingBatch]:
    return list(db.session.scalars(select(TrainingBatch).order_by(TrainingBatch.due_on.desc(), TrainingBatch.id.desc())))


def member_counts() -> dict[int, int]:
    return dict(db.session.execute(select(TrainingBatchMember.batch_id, func.count())
                                   .group_by(TrainingBatchMember.batch_id)).all())


# --- results ------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberResult:
    person: User
    modules_done: int
    modules_total: int
    attempts: int  # submitted attempts started within the window
    best_score: int | None
    result: str  # passed | failed | in_progress | not_started
    overdue: bool  # due date passed without a pass

    @property
    def label(self) -> str:
        return str(RESULT_LABELS[self.result])


def window(batch: TrainingBatch) -> tuple:
    """The UTC instants the batch window opens and closes: bank midnights around its days."""
    return rules.day_end(batch.starts_on - timedelta(days=1)), rules.day_end(batch.due_on)


def results(batch: TrainingBatch, today: date | None = None) -> list[MemberResult]:
    """Every member's result, in four queries whatever the batch size."""
    today = today or certification.today()
    members = select(TrainingBatchMember.user_id).where(TrainingBatchMember.batch_id == batch.id)
    people = list(db.session.scalars(select(User).where(User.id.in_(members))
                                     .order_by(User.full_name, User.employee_no)))
    module_ids = batch.module_ids
    # Current versions only, and a module someone was told to read again does not count (as in content).
    done = set(db.session.execute(
        select(ModuleCompletion.user_id, ModuleCompletion.module_id).join(
            Module, (Module.id == ModuleCompletion.module_id) & (Module.version == ModuleCompletion.version))
        .where(Module.active, Module.id.in_(module_ids), ModuleCompletion.user_id.in_(members))
        .outerjoin(ReadAssignment, (ReadAssignment.user_id == ModuleCompletion.user_id)
                   & (ReadAssignment.module_id == ModuleCompletion.module_id) & ReadAssignment.done_at.is_(None))
        .where(ReadAssignment.id.is_(None))).all()) if module_ids else set()
    opens, closes = window(batch)
    attempts = {row.user_id: row for row in db.session.execute(
        select(ExamAttempt.user_id, func.count().label("count"), func.max(ExamAttempt.score).label("best"),
               func.max(case((ExamAttempt.passed.is_(True), 1), else_=0)).label("passed"))
        .where(ExamAttempt.user_id.in_(members), ExamAttempt.qualification == batch.qualification,
               ExamAttempt.status == AttemptStatus.SUBMITTED,
               ExamAttempt.started_at >= opens, ExamAttempt.started_at < closes)
        .group_by(ExamAttempt.user_id))}
    definition = certification.definitions().get(batch.qualification)
    allowed = definition.exam.attempts_per_window if definition and definition.exam else None
    closed = today > batch.due_on
    out = []
    for person in people:
        row = attempts.get(person.id)
        count, passed = (row.count, bool(row.passed)) if row else (0, False)
        modules_done = sum(1 for module_id in module_ids if (person.id, module_id) in done)
        if passed:
            result = PASSED
        elif count and ((allowed is not None and count >= allowed) or closed):
            result = FAILED
        elif count or modules_done:
            result = IN_PROGRESS
        else:
            result = NOT_STARTED
        out.append(MemberResult(person, modules_done, len(module_ids), count, row.best if row else None,
                                result, overdue=closed and not passed))
    return out


def may_not_act(batch: TrainingBatch, member_results: list[MemberResult],
                today: date | None = None) -> list[MemberResult]:
    """Members who failed or are overdue and who are not qualified today, per the gate's rule (one query)."""
    flagged = [r for r in member_results if r.result == FAILED or r.overdue]
    if not flagged:
        return []
    _states, qualified = rules.bulk([r.person.id for r in flagged], batch.qualification,
                                    today or certification.today(), certification.definitions())
    return [r for r in flagged if r.person.id not in qualified]


def to_csv(member_results: list[MemberResult]) -> bytes:
    return spreadsheets.csv_bytes(
        ["employee_no", "full_name", "department", "modules_completed", "modules_total",
         "attempts", "best_score", "result", "overdue"],
        ([r.person.employee_no, r.person.full_name, r.person.department.code, r.modules_done, r.modules_total,
          r.attempts, "" if r.best_score is None else r.best_score, r.result, "yes" if r.overdue else "no"]
         for r in member_results))
