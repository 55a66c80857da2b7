"""The channel a change to a report comes through, passed to every service that writes one.

On the web the signed-in person acts for themselves. Through the API another
system acts, and it speaks for a person only when its token is bound to that
person: an unbound token may start a draft in someone's name, never submit or
change one, so nobody's report is filed without them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from trainer.people.models import User
from trainer.inspections.models import ReportChannel


class Token(Protocol):
    """What a channel needs of an API token (trainer.api.models.ApiToken), which the API passes in."""

    id: int
    bound_user_id: int | None


@dataclass(frozen=True)
class Channel:
    kind: ReportChannel
    token_id: int | None = None
    bound_user_id: int | None = None

    @classmethod
    def api(cls, token: Token) -> Channel:
        return cls(ReportChannel.API, token.id, token.bound_user_id)

    def may_name(self, author: User) -> bool:
        """Whether a report may be started with `author` as its author: a token bound to someone else may not."""
        return self.kind is ReportChannel.WEB or self.bound_user_id in (None, author.id)

    def speaks_for(self, author: User) -> bool:
        """Whether changes through this channel are the author's own: submitting needs it."""
        return self.kind is ReportChannel.WEB or self.bound_user_id == author.id


WEB = Channel(ReportChannel.WEB)
