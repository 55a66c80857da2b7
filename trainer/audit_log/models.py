from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.append_only import protect
from trainer.timeutil import utcnow


class AuditEvent(db.Model):
    """One change, never updated or deleted; `hash` covers it and the previous event's hash."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: the system or a command
    kind: Mapped[str] = mapped_column(String(40), index=True)  # e.g. role.granted, token.issued
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # whom it is about, if a person
    subject: Mapped[str] = mapped_column(String(120))  # what changed, e.g. user:12, token:3, department:HQ
    before: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    after: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(String(128))


class AuditHead(db.Model):
    """One row: the trail's last sequence number and hash (moved by compare-and-swap)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


protect(AuditEvent.__table__)
