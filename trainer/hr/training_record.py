"""A person's training record for the HR person page: per module, each completion
with the version completed and the statement confirmed, and each reading round
with the sections opened, when, and the reading time the server measured.

Read in a fixed number of queries whatever the number of modules or readings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from trainer.content import services as content
from trainer.content.models import Module, ModuleCompletion, ReadAssignment, ReadingConfirmation, SectionReading
from trainer.extensions import db
from trainer.timeutil import as_utc


@dataclass
class ReadingRound:
    version: int
    round: int
    sections: list[SectionReading] = field(default_factory=list)
    confirmation: ReadingConfirmation | None = None

    @property
    def opened(self) -> int:
        return len(self.sections)

    @property
    def read(self) -> int:
        return sum(1 for s in self.sections if s.read_at is not None)

    @property
    def seconds(self) -> int:
        """Reading time counted by the server: from each section's start to when it counted as read."""
        return int(sum((as_utc(s.read_at) - as_utc(s.started_at)).total_seconds()
                       for s in self.sections if s.read_at is not None and s.started_at is not None))

    @property
    def first_opened_at(self) -> datetime | None:
        return min((s.first_opened_at for s in self.sections), default=None)

    @property
    def last_opened_at(self) -> datetime | None:
        return max((s.last_opened_at for s in self.sections), default=None)


@dataclass
class ModuleRecord:
    module: Module
    title: str
    completions: list[ModuleCompletion]
    rounds: list[ReadingRound]
    assignments: list[ReadAssignment]

    @property
    def current_completion(self) -> ModuleCompletion | None:
        return next((c for c in self.completions if c.version == self.module.version), None)


def minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60:02d} s"


def training_record(person_id: int, locale: str) -> list[ModuleRecord]:
    modules = content.active_modules()
    texts = content.titles(locale)
    completions: dict[int, list[ModuleCompletion]] = {}
    for completion in db.session.scalars(select(ModuleCompletion).where(ModuleCompletion.user_id == person_id)
                                         .order_by(ModuleCompletion.completed_at.desc())):
        completions.setdefault(completion.module_id, []).append(completion)
    rounds: dict[tuple[int, int, int], ReadingRound] = {}
    for reading in db.session.scalars(select(SectionReading).where(SectionReading.user_id == person_id)
                                      .order_by(SectionReading.module_id, SectionReading.version,
                                                SectionReading.round, SectionReading.position)):
        key = (reading.module_id, reading.version, reading.round)
        rounds.setdefault(key, ReadingRound(reading.version, reading.round)).sections.append(reading)
    for confirmation in db.session.scalars(select(ReadingConfirmation).where(ReadingConfirmation.user_id == person_id)):
        key = (confirmation.module_id, confirmation.version, confirmation.round)
        rounds.setdefault(key, ReadingRound(confirmation.version, confirmation.round)).confirmation = confirmation
    assignments: dict[int, list[ReadAssignment]] = {}
    for assignment in db.session.scalars(select(ReadAssignment).where(ReadAssignment.user_id == person_id)
                                         .order_by(ReadAssignment.assigned_at.desc())):
        assignments.setdefault(assignment.module_id, []).append(assignment)
    result = []
    for module in modules:
        text = texts.get(module.id)
        mine = sorted((r for (mid, _v, _r), r in rounds.items() if mid == module.id),
                      key=lambda r: (r.version, r.round), reverse=True)
        result.append(ModuleRecord(module, text.title if text else module.slug, completions.get(module.id, []), mine,
                                   assignments.get(module.id, [])))
    return result
