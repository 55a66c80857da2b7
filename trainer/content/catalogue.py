"""The content catalogue: the active modules, their titles and their sections, the same for everyone.

Content changes only when content/ is loaded (`library.sync_all`), yet every page of the course read
the modules, their qualifications and their texts again: three queries and their ORM objects per
request. Each process keeps the last catalogue it read, with the stamp it was read under: how many
modules there are and the latest change to one (every write to a module, a retirement included,
moves its `updated_at`). A transaction's first use reads the modules' stamp, one row, and reads the
catalogue again only when it moved, so a load in any process or from the command line shows in every
process on its next request (and in the loading transaction at once: `sync_modules` forgets the memo).

Sections (their HTML) are read a module at a time, on first use, and kept only if the module was not
rewritten in between (same `updated_at` as the catalogue's): a catalogue never mixes two loads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from trainer.content.models import Module, ModuleQualification, ModuleSection, ModuleText
from trainer.extensions import db

FALLBACK_LOCALE = "es"
_KEY = "trainer.content.catalogue"
_STAMP = select(func.count(Module.id), func.max(Module.updated_at))


@dataclass(frozen=True)
class CatalogueModule:
    """What a page needs of a module, read once per load; the rules take it wherever they take a Module."""

    id: int
    slug: str
    position: int
    minutes: int
    version: int
    content_hash: str
    section_count: int
    qualifications: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True)
class Wording:
    """A module's title and summary in one language."""

    locale: str
    title: str
    summary: str


@dataclass(frozen=True)
class Section:
    locale: str
    position: int
    title: str
    html: str


@dataclass
class Catalogue:
    stamp: tuple
    modules: tuple[CatalogueModule, ...]  # active ones, in course order
    wordings: dict[tuple[int, str], Wording]
    _by_slug: dict[str, CatalogueModule] = field(init=False, repr=False)
    _titles: dict[str, dict[int, Wording]] = field(default_factory=dict, repr=False)
    _sections: dict[int, tuple[Section, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_slug = {m.slug: m for m in self.modules}

    def module(self, slug: str) -> CatalogueModule | None:
        return self._by_slug.get(slug)

    def titles(self, locale: str) -> dict[int, Wording]:
        """Every active module's wording in `locale`, falling back to Spanish."""
        chosen = self._titles.get(locale)
        if chosen is None:
            chosen = {}
            for m in self.modules:
                wording = self.wordings.get((m.id, locale)) or self.wordings.get((m.id, FALLBACK_LOCALE))
                if wording is not None:
                    chosen[m.id] = wording
            self._titles[locale] = chosen
        return chosen

    def sections(self, module: CatalogueModule, locale: str) -> list[Section]:
        """The module's sections in `locale` if it has them, else in Spanish, in order."""
        every = self._sections.get(module.id)
        if every is None:
            every, same_load = _read_sections(module)
            if same_load:  # else rewritten since this catalogue was read: served as read, not kept
                self._sections[module.id] = every
        mine = [s for s in every if s.locale == locale]
        return mine or [s for s in every if s.locale == FALLBACK_LOCALE]


def catalogue() -> Catalogue:
    """The catalogue as the database has it now: one small query on a transaction's first use, none
    after it in the same transaction (a content load in it says so: `forget_in_this_transaction`)."""
    session = db.session()
    memo = session.info.get(_KEY)
    if memo is not None and memo[0] is session.get_transaction():
        return memo[1]
    stamp = tuple(session.execute(_STAMP).one())
    held: Catalogue | None = current_app.extensions.get(_KEY)
    if held is None or held.stamp != stamp:
        held = current_app.extensions[_KEY] = _read()
    session.info[_KEY] = (session.get_transaction(), held)
    return held


def forget_in_this_transaction() -> None:
    """Modules were written in this transaction: the next use reads the stamp again."""
    db.session().info.pop(_KEY, None)


def _read() -> Catalogue:
    # The stamp comes from the same rows as the modules, so a load committing meanwhile cannot
    # leave newer modules under an older stamp; at worst the next request reads them again.
    rows = db.session.execute(select(
        Module.id, Module.slug, Module.position, Module.minutes, Module.version, Module.content_hash,
        Module.section_count, Module.active, Module.updated_at,
    ).order_by(Module.position, Module.id)).all()
    qualifications: dict[int, list[str]] = {}
    for module_id, code in db.session.execute(
            select(ModuleQualification.module_id, ModuleQualification.qualification)):
        qualifications.setdefault(module_id, []).append(code)
    modules = tuple(
        CatalogueModule(r.id, r.slug, r.position, r.minutes, r.version, r.content_hash, r.section_count,
                        tuple(sorted(qualifications.get(r.id, ()))), r.updated_at)
        for r in rows if r.active
    )
    wordings = {
        (module_id, locale): Wording(locale, title, summary)
        for module_id, locale, title, summary in db.session.execute(
            select(ModuleText.module_id, ModuleText.locale, ModuleText.title, ModuleText.summary))
    }
    stamp = (len(rows), max((r.updated_at for r in rows), default=None))
    return Catalogue(stamp=stamp, modules=modules, wordings=wordings)


def _read_sections(module: CatalogueModule) -> tuple[tuple[Section, ...], bool]:
    """The module's sections, and whether they are of the load this catalogue's module is."""
    rows = db.session.execute(
        select(ModuleSection.locale, ModuleSection.position, ModuleSection.title, ModuleSection.html,
               Module.updated_at)
        .join(Module, Module.id == ModuleSection.module_id)
        .where(ModuleSection.module_id == module.id)
        .order_by(ModuleSection.locale, ModuleSection.position)
    ).all()
    return (tuple(Section(r.locale, r.position, r.title, r.html) for r in rows),
            all(r.updated_at == module.updated_at for r in rows))
