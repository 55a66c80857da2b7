"""The words the pages, exports and mails use for the platform's codes.

Each set of labels is defined once, next to the codes it names; this module only
gathers them into Jinja filters (registered by `trainer.formatting.init_app`), so
a state, role or kind is called the same on every page. A code with no label is
shown as written rather than failing the page.
"""
from __future__ import annotations

from typing import Any, Callable


def _named(mapping: dict, code: Any) -> str:
    if code is None or code == "":
        return "—"
    label = mapping.get(code)
    if label is None and hasattr(code, "value"):
        label = mapping.get(code.value)
    return str(label) if label is not None else str(getattr(code, "value", code))


def qualification_state(state: str | None) -> str:
    """active → "Valid", expiring → "Expiring soon", … (trainer/certification/standing.py)."""
    from trainer.certification.standing import STATE_LABELS

    return _named(STATE_LABELS, state)


def qualification_badge(state: str | None) -> str:
    """The badge class of a state (shown with its label: colour alone never carries the meaning)."""
    from trainer.certification.standing import NONE, STATE_BADGES

    return STATE_BADGES.get(state or NONE, STATE_BADGES[NONE])


def role_label(role: Any) -> str:
    from trainer.admin.forms import ROLE_LABELS

    by_value = {getattr(r, "value", r): label for r, label in ROLE_LABELS.items()}
    return _named(by_value, role)


def report_status(status: Any) -> str:
    from trainer.inspections.views import STATUS_LABELS

    by_value = {getattr(s, "value", s): label for s, label in STATUS_LABELS.items()}
    return _named(by_value, status)


def report_kind(kind: Any) -> str:
    from trainer.inspections.forms import KIND_LABELS

    return _named(KIND_LABELS, kind)


def loan_type(code: str | None) -> str:
    from trainer.inspections.loans import loan_type_label

    return loan_type_label(code)


def ledger_kind_label(kind: str, severity: str | None = None) -> str:
    from trainer.ledger.catalogue import entry_label

    return entry_label(kind, severity)


def batch_result(result: str | None) -> str:
    from trainer.batches.services import RESULT_LABELS

    return _named(RESULT_LABELS, result)


def audit_kind(kind: str | None) -> str:
    from trainer.audit_log.services import kind_label

    return kind_label(kind) if kind else "—"


def signal_severity(severity: str | None) -> str:
    from flask_babel import gettext as _

    return {"low": _("low"), "medium": _("medium"), "high": _("high")}.get(severity or "", severity or "—")


FILTERS: dict[str, Callable[..., str]] = {
    "qualification_state": qualification_state,
    "qualification_badge": qualification_badge,
    "role_label": role_label,
    "report_status": report_status,
    "report_kind": report_kind,
    "loan_type": loan_type,
    "batch_result": batch_result,
    "audit_kind": audit_kind,
    "signal_severity": signal_severity,
}
