from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class Module(db.Model):
    """A training module; its text lives in ModuleText/ModuleSection per language."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    # Material changes bump the version; completions of older versions no longer count.
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    section_count: Mapped[int] = mapped_column(Integer)
    # A module removed from content/ is retired, never deleted: completions point at it.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Moves on every write (a retirement too): the content catalogue's stamp (content/catalogue.py).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    texts: Mapped[list[ModuleText]] = relationship(lazy="raise", cascade="all, delete-orphan")
    qualification_rows: Mapped[list[ModuleQualification]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def qualifications(self) -> list[str]:
        return sorted(row.qualification for row in self.qualification_rows)


class ModuleQualification(db.Model):
    """Which qualifications a module counts toward (from its front matter)."""

    __tablename__ = "module_qualifications"

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    qualification: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ModuleText(db.Model):
    __tablename__ = "module_texts"
    __table_args__ = (UniqueConstraint("module_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)


class ModuleSection(db.Model):
    """One page of a module in one language, stored already rendered and sanitised."""

    __tablename__ = "module_sections"
    __table_args__ = (UniqueConstraint("module_id", "locale", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    locale: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)  # 1-based
    title: Mapped[str] = mapped_column(String(300))
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)


class ReadingProgress(db.Model):
    """How far a person has read the current version of a module: a summary of
    their SectionReading rows, and the row that serialises their reading of it."""

    __tablename__ = "reading_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    # Sections counted as read, in order, in the current round (always the first N).
    furthest_section: Mapped[int] = mapped_column(Integer, default=0)
    # A re-read assignment starts a new round: the earlier round's readings stay as evidence but no longer count.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SectionReading(db.Model):
    """When one person opened one section of one version of a module, measured by
    the server; the training evidence behind a completion."""

    __tablename__ = "section_readings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The first opening after the previous section was read: the reading time runs from here.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the person moved on at least the minimum time after `started_at`.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReadingConfirmation(db.Model):
    """The "I have read and understood" statement a person confirmed after reading
    every section of a module version in one round: the text shown and when."""

    __tablename__ = "reading_confirmations"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "version", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    version: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    statement_version: Mapped[int] = mapped_column(Integer)
    statement_text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModuleCompletion(db.Model):
    """A person finished a given version of a module. Kept forever, as training evidence."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    version: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What the person confirmed (None only for completions recorded before confirmations existed).
    confirmation_id: Mapped[int | None] = mapped_column(ForeignKey("reading_confirmations.id"))
    confirmation: Mapped[ReadingConfirmation | None] = relationship(lazy="selectin")


class ReadAssignment(db.Model):
    """A module a person must read again (e.g. after a suspension), whatever they completed before."""

    __tablename__ = "read_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    reason: Mapped[str] = mapped_column(Text)
    # What assigned it, e.g. "certification_event:42" (the suspension), so lifting that suspension
    # withdraws exactly the re-reading it caused.
    cause: Mapped[str | None] = mapped_column(String(80), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when it was closed without a reading (its cause was undone); done_at is then when.
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # The reading that fulfilled it: a completion through the same rule as any other.
    confirmation_id: Mapped[int | None] = mapped_column(ForeignKey("reading_confirmations.id"))
