"""What an API token may do. The one list of scopes: the admin form, the
endpoint checks, the token list and the OpenAPI document all read it."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Scope(str, enum.Enum):
    ELIGIBILITY_READ = "eligibility:read"
    INSPECTIONS_WRITE = "inspections:write"


LABELS = {
    Scope.ELIGIBILITY_READ: _l("Ask whether a person may inspect (eligibility:read)"),
    Scope.INSPECTIONS_WRITE: _l("File inspection reports (inspections:write)"),
}

# Tokens issued before scopes existed carry none (NULL): they were issued for the
# eligibility API, so that is all they may still do.
LEGACY = frozenset({Scope.ELIGIBILITY_READ})


def parse(stored: str | None) -> frozenset[Scope]:
    """The scopes of a token's stored, space-separated column; unknown words grant nothing."""
    if stored is None:
        return LEGACY
    known = {s.value: s for s in Scope}
    return frozenset(known[word] for word in stored.split() if word in known)


def serialize(scopes) -> str:
    """Space-separated, in the enum's order, as OAuth writes a `scope`."""
    chosen = {Scope(s) for s in scopes}
    return " ".join(s.value for s in Scope if s in chosen)
