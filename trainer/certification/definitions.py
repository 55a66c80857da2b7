"""Qualification definitions, read from `question_bank/qualifications.yaml`."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

DEFINITIONS_FILE = "qualifications.yaml"
LOCALES = ("es", "en")


@dataclass(frozen=True)
class Qualification:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    prerequisites: tuple[str, ...] = ()
    validity_months: int = 12
    renewal_window_days: int = 60
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def title(self, locale: str) -> str:
        return self.name.get(locale) or self.name["es"]


def load_qualifications(bank_dir: Path) -> dict[str, Qualification]:
    """Load and validate every definition; raise SourceInvalid listing all problems."""
    path = bank_dir / DEFINITIONS_FILE
    shown = display_path(path, bank_dir)
    if not path.is_file():
        raise SourceInvalid([SourceIssue(shown, 1, "file missing")])
    text, issue = read_text(path, shown)
    data, issue = (None, issue) if issue else parse_yaml(text, shown)
    if issue:
        raise SourceInvalid([issue])
    issues: list[SourceIssue] = []
    entries = data.get("qualifications") if isinstance(data, LineDict) else None
    if not isinstance(entries, LineDict) or not entries:
        raise SourceInvalid([SourceIssue(shown, 1, "expected a 'qualifications' mapping")])

    result: dict[str, Qualification] = {}
    for code, spec in entries.items():
        line = entries.line_of(code)
        if not isinstance(spec, LineDict):
            issues.append(SourceIssue(shown, line, f"qualification '{code}' must be a mapping"))
            continue
        for key in ("name", "description"):
            value = spec.get(key)
            if not isinstance(value, dict) or any(not isinstance(value.get(loc), str) for loc in LOCALES):
                issues.append(SourceIssue(shown, spec.line_of(key), f"'{key}' needs text in es and en"))
        numbers = {}
        for key, default in (("validity_months", 12), ("renewal_window_days", 60)):
            value = spec.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                issues.append(SourceIssue(shown, spec.line_of(key), f"'{key}' must be a positive whole number"))
                value = default
            numbers[key] = value
        prerequisites = spec.get("prerequisites") or []
        if not isinstance(prerequisites, list):
            issues.append(SourceIssue(shown, spec.line_of("prerequisites"), "'prerequisites' must be a list"))
            prerequisites = []
        for other in prerequisites:
            if other not in entries or other == code:
                issues.append(
                    SourceIssue(shown, spec.line_of("prerequisites"), f"unknown prerequisite '{other}'")
                )
        extra = {k: v for k, v in spec.items() if k not in {"name", "description", "prerequisites",
                                                             "validity_months", "renewal_window_days"}}
        result[code] = Qualification(
            code=code,
            name=dict(spec.get("name") or {}),
            description=dict(spec.get("description") or {}),
            prerequisites=tuple(prerequisites),
            validity_months=numbers["validity_months"],
            renewal_window_days=numbers["renewal_window_days"],
            extra=extra,
        )
    if issues:
        raise SourceInvalid(issues)
    return result
