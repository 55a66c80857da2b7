"""`policies/escalation.yaml`: which severities escalate and when an unacknowledged escalation is chased."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer import policies
from trainer.inspections.policy import SEVERITIES
from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

ESCALATION_FILE = "escalation.yaml"
MAX_HOURS = 24 * 30


@dataclass(frozen=True)
class EscalationPolicy:
    severities: frozenset[str] = frozenset({"high"})
    chase_after_hours: int = 24
    chase_every_hours: int = 24


def load_escalation_policy(policies_dir: Path) -> EscalationPolicy:
    """Read and validate escalation.yaml (a missing file means the defaults); SourceInvalid lists every problem."""
    path = Path(policies_dir) / ESCALATION_FILE
    if not path.is_file():
        return EscalationPolicy()
    shown = display_path(path, Path(policies_dir))
    text, issue = read_text(path, shown)
    data, issue = (None, issue) if issue else parse_yaml(text, shown)
    if issue:
        raise SourceInvalid([issue])
    if not isinstance(data, LineDict):
        raise SourceInvalid([SourceIssue(shown, 1, "expected a mapping at the top")])
    issues = []
    severities = data.get("escalate_severities", ["high"])
    if not isinstance(severities, list) or not severities or any(s not in SEVERITIES for s in severities):
        issues.append(SourceIssue(shown, data.line_of("escalate_severities"),
                                  f"'escalate_severities' must be a non-empty list of: {', '.join(SEVERITIES)}"))
        severities = ["high"]
    hours = {}
    for key in ("chase_after_hours", "chase_every_hours"):
        value = data.get(key, 24)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_HOURS:
            issues.append(SourceIssue(shown, data.line_of(key), f"'{key}' must be a whole number of hours from 1 to "
                                                               f"{MAX_HOURS}"))
            value = 24
        hours[key] = value
    for key in set(data) - {"escalate_severities", "chase_after_hours", "chase_every_hours"}:
        issues.append(SourceIssue(shown, data.line_of(key), f"unknown setting '{key}'"))
    if issues:
        raise SourceInvalid(issues)
    return EscalationPolicy(frozenset(severities), **hours)


def escalation_policy() -> EscalationPolicy:
    return policies.cached("escalation", load_escalation_policy)
