"""Refusals: the one shape of "a rule said no", raised by services and answered the same way everywhere.

A service raises `Refusal`, or its feature's subclass (`InspectionError`, `GateRefused`, `LifecycleError`, …),
with:

- `code`: the rule's stable name (JSON clients branch on it; views may pick their wording by it),
- `message`: for the person who asked (a lazy translation is fine),
- `fields`: form field → message, when the refusal is about one value sent,
- `status`: what it deserves over HTTP: 422 for what was sent, 403 for who asks, 409 for a state that
  changed meanwhile.

A view that re-renders its form catches the refusal, calls `attach(form, refusal)` so each field's
message stands beside that field, and shows `message` above the form. Anything uncaught reaches the app's handler (trainer/errors.py): it
rolls the transaction back and answers `as_json()` to API and JSON callers, or the error page to people,
with the refusal's status. A refusal is never a server error, and what the refused request changed is
rolled back (trainer/transactions.py), unless the refusal `keeps_changes`.
"""
from __future__ import annotations

from typing import Any

from trainer import transactions

UNPROCESSABLE, FORBIDDEN, CONFLICT = 422, 403, 409


class Refusal(Exception):
    status: int = UNPROCESSABLE
    default_code: str = "refused"
    # What the request did before the refusal is committed all the same (see trainer/transactions.py).
    keeps_changes: bool = False

    def __init__(self, message: Any = "", code: str | None = None, *, fields: dict[str, Any] | None = None,
                 status: int | None = None, keeps_changes: bool | None = None):
        self.message = message
        self.code = code or self.default_code
        self.fields = {name: str(text) for name, text in (fields or {}).items()}
        if status is not None:
            self.status = status
        if keeps_changes is not None:
            self.keeps_changes = keeps_changes
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)

    @property
    def forbidden(self) -> bool:
        """About who asks rather than what was sent."""
        return self.status == FORBIDDEN

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self.message), "fields": self.fields}


def attach(form, refusal: Refusal, *, message_above: bool = False) -> None:
    """Put each field's message beside that field (a form may name its fields by key with
    `field_for(key)`); one about a field the form does not have goes above the form, and so does the
    refusal's own message when it names no field and `message_above` (for pages that show only the form).
    The request then keeps nothing it changed (unless the refusal `keeps_changes`): the refused change is
    not half made."""
    transactions.discard_changes(refusal)
    if message_above and not refusal.fields:
        form.form_errors.append(str(refusal.message))
    find = getattr(form, "field_for", None) or (lambda name: getattr(form, name, None))
    for name, message in refusal.fields.items():
        field = find(name)
        if field is None or not hasattr(field, "errors"):
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
