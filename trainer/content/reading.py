"""The reading rule: a module version is complete only when every section was
read in order, each for at least its minimum time, measured on the server, and
the person confirmed the policy's statement. Completing a module and fulfilling
a re-read assignment both come through `complete_module`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select

from trainer.people.models import User
from trainer.content.models import (
    Module, ModuleCompletion, ModuleSection, ReadAssignment, ReadingConfirmation, ReadingProgress, SectionReading,
)
from trainer.content.policy import reading_policy, whole_seconds
from trainer.dbutil import commit_durably, commit_without_waiting_for_the_disk, get_or_create
from trainer.extensions import db
from trainer.timeutil import utcnow


class NotFinishedReading(Exception):
    """Some section is not read yet; `status` says which and why. What was recorded before it
    stands (the last section's reading, if it now counts): see trainer/transactions.py."""

    keeps_changes = True

    def __init__(self, status: ReadingStatus):
        super().__init__(status.module.slug)
        self.status = status


class NotConfirmed(Exception):
    """The person did not confirm the statement."""


@dataclass
class SectionState:
    position: int
    seconds_needed: float
    started_at: datetime | None
    read_at: datetime | None
    now: datetime

    @property
    def read(self) -> bool:
        return self.read_at is not None

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def seconds_left(self) -> int:
        """Reading time still to go (0 once enough time has passed, or when read)."""
        if self.read or self.started_at is None:
            return 0 if self.read else whole_seconds(self.seconds_needed)
        return whole_seconds(self.seconds_needed - (self.now - self.started_at).total_seconds())


@dataclass
class ReadingStatus:
    module: Module
    sections: list[SectionState]

    @property
    def read_count(self) -> int:
        return sum(1 for s in self.sections if s.read)

    @property
    def first_unread(self) -> SectionState | None:
        return next((s for s in self.sections if not s.read), None)

    @property
    def percent(self) -> int:
        return int(100 * self.read_count / len(self.sections)) if self.sections else 0

    @property
    def blocking(self) -> list[SectionState]:
        """What stands between the person and completing, asking now: every unread
        section except a last one that has been open long enough (asking to
        complete is moving on from it)."""
        last = self.sections[-1] if self.sections else None
        return [s for s in self.sections
                if not s.read and not (s is last and s.started and s.seconds_left == 0)]

    @property
    def only_time_left(self) -> bool:
        """Just the last section's time is missing: the form can wait for it."""
        blocking = self.blocking
        return len(blocking) == 1 and blocking[0] is self.sections[-1] and blocking[0].started

    def is_read(self, position: int) -> bool:
        return 1 <= position <= len(self.sections) and self.sections[position - 1].read


def _lock_progress(user: User, module: Module) -> ReadingProgress:
    """The person's progress row on the module, locked for this transaction
    (PostgreSQL): two tabs moving on at once are applied one after the other."""
    keys = {"user_id": user.id, "module_id": module.id}
    progress = db.session.scalar(_locked_progress(), keys)
    if progress is None:
        get_or_create(ReadingProgress, {"version": module.version, "furthest_section": 0, "round": 1}, **keys)
        progress = db.session.scalars(_locked_progress(), keys).one()
    if progress.version != module.version:  # a new version: reading starts over
        progress.version, progress.furthest_section = module.version, 0
    return progress


def _minimums(module: Module) -> list[float]:
    """Each section's minimum reading time, from its text in every language.

    Counting words is the dearest part of opening a section and depends only
    on the module's text (its content hash) and the policy: worked out once
    per process for each, then reused."""
    policy = reading_policy()
    key = (module.content_hash, module.section_count, policy.words_per_minute, policy.min_seconds_per_section)
    if key not in _MINIMUMS:
        rows = db.session.execute(select(ModuleSection.position, ModuleSection.markdown)
                                  .where(ModuleSection.module_id == module.id)).all()
        texts: dict[int, list[str]] = {}
        for position, markdown in rows:
            texts.setdefault(position, []).append(markdown)
        _MINIMUMS[key] = [policy.seconds_for(texts.get(n, [])) for n in range(1, module.section_count + 1)]
    return list(_MINIMUMS[key])


_MINIMUMS: dict[tuple, list[float]] = {}  # small: one entry per module version and policy


def _readings(user: User, module: Module, progress: ReadingProgress | None) -> dict[int, SectionReading]:
    if progress is None or progress.version != module.version:
        return {}
    return {r.position: r for r in db.session.scalars(_readings_of_round(), {
        "user_id": user.id, "module_id": module.id, "version": module.version, "round": progress.round})}


# Built once, on first use: opening a section asks them every time (building costs more than running).
@cache
def _locked_progress():
    return select(ReadingProgress).where(
        ReadingProgress.user_id == bindparam("user_id"), ReadingProgress.module_id == bindparam("module_id"),
    ).with_for_update().execution_options(populate_existing=True)


@cache
def _readings_of_round():
    return select(SectionReading).where(
        SectionReading.user_id == bindparam("user_id"), SectionReading.module_id == bindparam("module_id"),
        SectionReading.version == bindparam("version"), SectionReading.round == bindparam("round"))


def _status(module: Module, readings: dict[int, SectionReading], now: datetime,
            minimums: list[float] | None = None) -> ReadingStatus:
    sections = []
    for position, needed in enumerate(minimums or _minimums(module), start=1):
        row = readings.get(position)
        started = row.started_at if row is not None else None
        read = row.read_at if row is not None else None
        sections.append(SectionState(position, needed, started, read, now))
    return ReadingStatus(module, sections)


def _move_on_from(row: SectionReading | None, needed: float, now: datetime) -> bool:
    """The person leaves a started section: it counts as read if it was open long enough."""
    if row is None or row.read_at is not None or row.started_at is None:
        return row is not None and row.read_at is not None
    if now - row.started_at >= timedelta(seconds=needed):
        row.read_at = now
        return True
    return False


def reading_status(user: User, module: Module, now: datetime | None = None) -> ReadingStatus:
    """Which sections of the current version the person has read, and how long the rest need."""
    progress = db.session.get(ReadingProgress, (user.id, module.id))
    return _status(module, _readings(user, module, progress), now or utcnow())


def open_section(user: User, module: Module, position: int, now: datetime | None = None) -> ReadingStatus:
    """Record that the person opened section `position` now. Opening it counts as
    moving on from the section before, which is then read if it was open long
    enough; this section's reading time starts only once the one before is read."""
    now = now or utcnow()
    progress = _lock_progress(user, module)
    # Opening a section is redone by opening it again: its record need not wait for the disk.
    # (Completing a module, which counts, commits durably and makes these durable too.)
    commit_without_waiting_for_the_disk()
    readings = _readings(user, module, progress)
    minimums = _minimums(module)
    row = readings.get(position)
    if row is None:  # two tabs opening it at once share one row
        row, _ = get_or_create(SectionReading, {"first_opened_at": now, "last_opened_at": now},
                               user_id=user.id, module_id=module.id, version=module.version, round=progress.round,
                               position=position)
        readings[position] = row
    row.last_opened_at = now
    previous_read = position == 1 or _move_on_from(readings.get(position - 1), minimums[position - 2], now)
    if previous_read and row.started_at is None:
        row.started_at = now
    _summarise(progress, readings, now)
    return _status(module, readings, now, minimums)


def _summarise(progress: ReadingProgress, readings: dict[int, SectionReading], now: datetime) -> None:
    count = 0
    while count + 1 in readings and readings[count + 1].read_at is not None:
        count += 1
    if count != progress.furthest_section:
        progress.furthest_section = count
        progress.updated_at = now


def complete_module(user: User, module: Module, confirmed: bool, locale: str = "es",
                    now: datetime | None = None) -> ModuleCompletion:
    """Record completion of the current version with the confirmed statement, and
    fulfil any re-read assignment for the module. Asking to complete is moving on
    from the last section. Raise NotConfirmed or NotFinishedReading (nothing stored
    then but the last section's reading). Idempotent within a round."""
    if not confirmed:
        raise NotConfirmed(module.slug)
    now = now or utcnow()
    progress = _lock_progress(user, module)
    commit_durably()  # a completion counts (and makes the relaxed commits of the sections' openings durable)
    readings = _readings(user, module, progress)
    minimums = _minimums(module)
    if module.section_count:
        _move_on_from(readings.get(module.section_count), minimums[-1], now)
    _summarise(progress, readings, now)
    status = _status(module, readings, now, minimums)
    if status.read_count < module.section_count:
        raise NotFinishedReading(status)  # the last section's reading, if it now counts, is kept (keeps_changes)
    statement = reading_policy().statement
    confirmation, _ = get_or_create(
        ReadingConfirmation,
        {"statement_version": statement.version, "statement_text": statement.text(locale),
         "locale": locale if locale in statement.texts else "es", "confirmed_at": now},
        user_id=user.id, module_id=module.id, version=module.version, round=progress.round,
    )
    completion, _ = get_or_create(ModuleCompletion, {"confirmation_id": confirmation.id, "completed_at": now},
                                  user_id=user.id, module_id=module.id, version=module.version)
    for assignment in db.session.scalars(select(ReadAssignment).where(
            ReadAssignment.user_id == user.id, ReadAssignment.module_id == module.id, ReadAssignment.done_at.is_(None))):
        assignment.done_at, assignment.confirmation_id = now, confirmation.id
    return completion


def restart_reading(user_id: int, module_id: int) -> None:
    """A re-read assignment: the next reading is a new round from section 1.
    Part of the caller's transaction."""
    progress = db.session.get(ReadingProgress, (user_id, module_id))
    if progress is not None:
        progress.round += 1
        progress.furthest_section = 0


def read_through(user: User, module: Module, start: datetime | None = None, locale: str = "es") -> ModuleCompletion:
    """Read every section in order, each for its minimum time, starting at `start`,
    then confirm and complete: a legitimate reading record for demo data and tests,
    through the same rule as the pages. By default the reading ends now."""
    minimums = [whole_seconds(s) + 1 for s in _minimums(module)]
    at = start or utcnow() - timedelta(seconds=sum(minimums))
    for position, seconds in enumerate(minimums, start=1):
        open_section(user, module, position, now=at)
        at += timedelta(seconds=seconds)
    return complete_module(user, module, confirmed=True, locale=locale, now=at)
