"""The API's own records: the tokens other bank systems present."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trainer.api.scopes import parse
from trainer.dbtypes import UTCDateTime
from trainer.extensions import db
from trainer.timeutil import utcnow


class ApiToken(db.Model):
    """A token another bank system uses for the API (/api/v1). Only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12), index=True)  # shown to admins to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    # Space-separated trainer.api.scopes.Scope values. NULL: issued before scopes
    # existed, read as eligibility:read only (scopes.LEGACY).
    scopes: Mapped[str | None] = mapped_column(String(200))
    # The one person this token may file inspection reports for (and submit them); NULL: nobody in particular,
    # so what it files stays a draft for the author to submit in person.
    bound_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def granted(self) -> frozenset:
        """The token's scopes (trainer.api.scopes.Scope)."""
        return parse(self.scopes)
