"""Rules for training modules: loading them into the database and reading progress."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import and_, bindparam, delete, func, literal_column, select, union_all, update

from trainer.people.models import User
from trainer.certification.definitions import load_qualifications
from trainer.content.catalogue import (
    FALLBACK_LOCALE, CatalogueModule, Section, Wording, catalogue, forget_in_this_transaction,
)
from trainer.content.loader import ModuleSource, load_modules
from trainer.content.models import (
    Module, ModuleCompletion, ModuleQualification, ModuleSection, ModuleText, ReadAssignment, ReadingProgress,
)
from trainer.content.reading import (  # noqa: F401 - the reading rule, used through this module
    NotConfirmed, NotFinishedReading, ReadingStatus, complete_module, open_section, read_through, reading_status,
    restart_reading,
)
from trainer.content.render import render_markdown
from trainer.extensions import db
from trainer.sourcefiles import SourceInvalid, SourceIssue
from trainer.timeutil import utcnow


# --- loading content/ -------------------------------------------------------

@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    new_version: list[str] = field(default_factory=list)  # readers must re-read
    text_changed: list[str] = field(default_factory=list)  # same version: no re-read
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.new_version or self.text_changed or self.retired)


def read_sources(content_dir: Path | None = None, bank_dir: Path | None = None) -> list[ModuleSource]:
    """Validate content/ against the qualification definitions; raise SourceInvalid."""
    bank_dir = bank_dir or current_app.config["QUESTION_BANK_DIR"]
    content_dir = content_dir or current_app.config["CONTENT_DIR"]
    qualifications = load_qualifications(bank_dir)
    return load_modules(content_dir, set(qualifications))


def sync_modules(sources: list[ModuleSource]) -> SyncReport:
    """Bring the database in line with the validated sources. Runs in the caller's transaction."""
    forget_in_this_transaction()  # what this transaction read of the catalogue is about to change
    report = SyncReport()
    existing = {m.slug: m for m in db.session.scalars(select(Module)).all()}
    _refuse_version_going_back(sources, existing)
    for source in sources:
        module = existing.get(source.slug)
        if module is None:
            module = Module(slug=source.slug)
            db.session.add(module)
            report.added.append(source.slug)
        elif source.version > module.version:
            report.new_version.append(source.slug)
        elif source.content_hash != module.content_hash or _details_differ(module, source):
            report.text_changed.append(source.slug)
        else:
            report.unchanged.append(source.slug)
            if not module.active:
                module.active = True
            continue
        _write_module(module, source)
    present = {s.slug for s in sources}
    for slug, module in existing.items():
        if slug not in present and module.active:
            module.active = False
            report.retired.append(slug)
    return report


def _refuse_version_going_back(sources: list[ModuleSource], existing: dict[str, Module]) -> None:
    issues = [
        SourceIssue(f"content/{s.slug}/es.md", s.version_line,
                    f"version {s.version} is lower than the loaded version {existing[s.slug].version}")
        for s in sources if s.slug in existing and s.version < existing[s.slug].version
    ]
    if issues:
        raise SourceInvalid(issues)


def _details_differ(module: Module, source: ModuleSource) -> bool:
    return (module.position, module.minutes, module.qualifications) != (
        source.order, source.minutes, sorted(source.qualifications))


def _write_module(module: Module, source: ModuleSource) -> None:
    module.position = source.order
    module.minutes = source.minutes
    module.version = source.version
    module.content_hash = source.content_hash
    module.section_count = len(source.texts[FALLBACK_LOCALE].sections)
    module.active = True
    module.updated_at = utcnow()
    module.qualification_rows = [ModuleQualification(qualification=q) for q in sorted(set(source.qualifications))]
    db.session.flush()
    db.session.execute(delete(ModuleText).where(ModuleText.module_id == module.id))
    db.session.execute(delete(ModuleSection).where(ModuleSection.module_id == module.id))
    for locale, text in source.texts.items():
        db.session.add(ModuleText(module_id=module.id, locale=locale, title=text.title, summary=text.summary))
        for position, section in enumerate(text.sections, start=1):
            db.session.add(ModuleSection(
                module_id=module.id, locale=locale, position=position, title=section.title,
                markdown=section.markdown, html=render_markdown(section.markdown),
            ))


# --- reading and progress ---------------------------------------------------

@dataclass
class ModuleProgress:
    module: CatalogueModule
    title: str
    summary: str
    furthest_section: int  # sections read, in order
    completed: bool
    needs_reread: bool  # completed an older version; the text changed materially since

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        return int(100 * self.furthest_section / self.module.section_count) if self.module.section_count else 0


@dataclass
class CourseProgress:
    modules: list[ModuleProgress]

    @property
    def completed(self) -> int:
        return sum(1 for m in self.modules if m.completed)

    @property
    def percent(self) -> int:
        return int(100 * self.completed / len(self.modules)) if self.modules else 0


def active_modules() -> list[CatalogueModule]:
    return list(catalogue().modules)


def module_by_slug(slug: str) -> CatalogueModule | None:
    return catalogue().module(slug)


def titles(locale: str) -> dict[int, Wording]:
    """Every active module's title and summary in `locale`, falling back to Spanish."""
    return catalogue().titles(locale)


def localised_module_titles(modules) -> Callable[[str], list[str]]:
    """The modules' titles as a function of the language: the outbox calls it with each recipient's."""
    ids = [m.id for m in modules]

    def titles_in(language: str) -> list[str]:
        texts = titles(language)
        return [texts[i].title if i in texts else str(i) for i in ids]

    return titles_in


def progress_for(user: User, locale: str | None = None) -> CourseProgress:
    """The person's progress on every active module: the catalogue's stamp and one query."""
    from flask_babel import get_locale

    content = catalogue()
    texts = content.titles(locale or str(get_locale()))
    facts = _reading_facts(user.id)
    return CourseProgress([
        _progress(module, facts, texts[module.id].title if module.id in texts else module.slug,
                  texts[module.id].summary if module.id in texts else "")
        for module in content.modules
    ])


def module_progress(user: User, module: CatalogueModule, title: str) -> ModuleProgress:
    """One module's progress for one person (one query)."""
    return _progress(module, _reading_facts(user.id, module.id), title, "")


@dataclass(frozen=True)
class _ReadingFacts:
    furthest: dict[int, tuple[int, int]]  # module id -> (version, sections read in order)
    completed: set[tuple[int, int]]  # (module id, version)
    assigned: set[int]  # modules the person was told to read again and has not yet


_READING, _COMPLETED, _ASSIGNED = 1, 2, 3


def _reading_facts(user_id: int, module_id: int | None = None) -> _ReadingFacts:
    """Everything progress depends on, of one person (one module, or all), in one round trip."""
    params = {"user_id": user_id} if module_id is None else {"user_id": user_id, "module_id": module_id}
    rows = db.session.execute(_reading_facts_query(module_id is not None), params).all()
    return _ReadingFacts(
        furthest={m: (v, n) for kind, m, v, n in rows if kind == _READING},
        completed={(m, v) for kind, m, v, _n in rows if kind == _COMPLETED},
        assigned={m for kind, m, _v, _n in rows if kind == _ASSIGNED},
    )


@cache
def _reading_facts_query(one_module: bool):
    """Built once: building a statement and its cache key costs several times running it."""
    def of(model):
        mine = [model.user_id == bindparam("user_id")]
        return mine + ([model.module_id == bindparam("module_id")] if one_module else [])

    zero = literal_column("0")
    return union_all(
        select(literal_column(str(_READING)), ReadingProgress.module_id, ReadingProgress.version,
               ReadingProgress.furthest_section).where(*of(ReadingProgress)),
        select(literal_column(str(_COMPLETED)), ModuleCompletion.module_id, ModuleCompletion.version, zero)
        .where(*of(ModuleCompletion)),
        select(literal_column(str(_ASSIGNED)), ReadAssignment.module_id, zero, zero)
        .where(*of(ReadAssignment), ReadAssignment.done_at.is_(None)),
    )


def _completed(module: CatalogueModule, facts: _ReadingFacts) -> bool:
    """The current version completed, and no re-read asked for since."""
    return (module.id, module.version) in facts.completed and module.id not in facts.assigned


def _progress(module: CatalogueModule, facts: _ReadingFacts, title: str, summary: str) -> ModuleProgress:
    """The progress rule: reading counts on the current version only; a completion counts unless the
    person was told to read the module again; an older completion asks for a re-read."""
    version, furthest = facts.furthest.get(module.id, (None, 0))
    completed = _completed(module, facts)
    older = module.id in facts.assigned or any(m == module.id and v < module.version for m, v in facts.completed)
    return ModuleProgress(
        module=module, title=title, summary=summary, furthest_section=furthest if version == module.version else 0,
        completed=completed, needs_reread=older and not completed,
    )


@dataclass(frozen=True)
class SectionPage:
    section: Section
    module_title: str
    section_titles: list[str]  # every section's title, in order, in the section's language


def section_page(module: CatalogueModule, locale: str, position: int) -> SectionPage | None:
    """One section of a module in `locale` (Spanish where the module has no text in it) with the
    titles a reader finds their way by, or None if there is no such section."""
    content = catalogue()
    sections = content.sections(module, locale)
    page = next((s for s in sections if s.position == position), None)
    if page is None:
        return None
    wording = content.titles(locale).get(module.id)
    return SectionPage(page, wording.title if wording else module.slug, [s.title for s in sections])


def open_assignments(user_id: int, module_id: int | None = None) -> set[int]:
    """Modules the person has been told to read again and has not yet."""
    query = select(ReadAssignment.module_id).where(ReadAssignment.user_id == user_id, ReadAssignment.done_at.is_(None))
    if module_id is not None:
        query = query.where(ReadAssignment.module_id == module_id)
    return set(db.session.scalars(query))


def qualification_modules(qualification: str) -> list[Module]:
    """The active modules a qualification requires."""
    return [m for m in active_modules() if qualification in m.qualifications]


def assign_rereading(user_id: int, qualification: str, reason: str, cause: str | None = None) -> list[Module]:
    """Ask the person to read every module of a qualification again, from the start.
    Part of the caller's transaction (a suspension or revocation, named by `cause`)."""
    modules = qualification_modules(qualification)
    already = open_assignments(user_id)
    for module in modules:
        if module.id not in already:
            db.session.add(ReadAssignment(user_id=user_id, module_id=module.id, reason=reason, cause=cause))
        restart_reading(user_id, module.id)
    return modules


def withdraw_rereading(user_id: int, cause: str, reason: str, now: datetime | None = None) -> int:
    """Close, unread, the open re-reading that `cause` assigned (its cause was undone, e.g. a lifted
    suspension); what the person completed before counts again. Part of the caller's transaction."""
    return db.session.execute(
        update(ReadAssignment).where(ReadAssignment.user_id == user_id, ReadAssignment.cause == cause,
                                     ReadAssignment.done_at.is_(None))
        .values(done_at=now or utcnow(), withdrawn_reason=reason).execution_options(synchronize_session=False)
    ).rowcount


def has_completed_current(user_id: int, qualification: str) -> tuple[bool, list[CatalogueModule]]:
    """Whether the person completed the current version of every module of a
    qualification; also returns the modules still missing."""
    facts = _reading_facts(user_id)
    missing = [m for m in qualification_modules(qualification) if not _completed(m, facts)]
    return not missing, missing


def completed_counts(user_ids: list[int]) -> dict[int, int]:
    """How many active modules (current version) each person has completed: one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(ModuleCompletion.user_id, func.count())
        .join(Module, and_(Module.id == ModuleCompletion.module_id, Module.version == ModuleCompletion.version))
        .where(Module.active, ModuleCompletion.user_id.in_(user_ids))
        .group_by(ModuleCompletion.user_id)
    )
    return dict(rows.all())
