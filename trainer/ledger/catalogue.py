"""The reward and sanction categories, read from `policies/ledger.yaml` and
validated with `file:line` messages."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from flask_babel import lazy_gettext as _l

from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

CATALOGUE_FILE = "ledger.yaml"
LOCALES = ("es", "en")


class EntryKind(StrEnum):
    """What a ledger entry is (stored as its value in ledger_entries.kind, and so in the chained hash)."""
    REWARD = "reward"
    SANCTION = "sanction"
    REVERSAL = "reversal"  # cancels another entry


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    SEVERE = "severe"  # the evaluation's "severe sanction"


KINDS = (EntryKind.REWARD, EntryKind.SANCTION)  # what a catalogue category may be
SEVERITIES = tuple(Severity)
SEVERE = Severity.SEVERE
REVERSAL = EntryKind.REVERSAL
KIND_LABELS = {EntryKind.REWARD: _l("Reward"), EntryKind.SANCTION: _l("Sanction"), EntryKind.REVERSAL: _l("Reversal")}
# A severity is named with its kind: a major reward is not "serious".
SEVERITY_LABELS = {
    (EntryKind.REWARD, Severity.MINOR): _l("Minor reward"), (EntryKind.REWARD, Severity.MAJOR): _l("Significant reward"),
    (EntryKind.REWARD, Severity.SEVERE): _l("Exceptional reward"),
    (EntryKind.SANCTION, Severity.MINOR): _l("Minor sanction"),
    (EntryKind.SANCTION, Severity.MAJOR): _l("Serious sanction"),
    (EntryKind.SANCTION, Severity.SEVERE): _l("Very serious sanction"),
}


def entry_label(kind: str, severity: str | None = None) -> str:
    """What an entry is, in words: "Serious sanction", "Minor reward", "Reversal"."""
    label = SEVERITY_LABELS.get((kind, severity or "")) or KIND_LABELS.get(kind)
    return str(label) if label is not None else kind
CATEGORY_KEYS = {"kind", "severity", "points", *LOCALES}
TOP_KEYS = {"categories", "suspends", "suspended_qualification"}
# Stored in ledger_entries.category (60 characters).
CODE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


@dataclass(frozen=True)
class Category:
    code: str
    kind: str  # reward | sanction
    severity: str  # minor | major | severe
    points_min: int
    points_max: int
    name: dict[str, str]
    line: int = 1

    def title(self, locale: str) -> str:
        return self.name.get(locale) or self.name["es"]

    def signed(self, points: int) -> int:
        """Points as stored: sanctions count against the person."""
        return -points if self.kind == EntryKind.SANCTION else points


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, Category]
    suspends: tuple[str, ...]
    suspended_qualification: str | None
    source: str = CATALOGUE_FILE
    qualification_line: int = 1

    def suspends_for(self, category: Category) -> bool:
        return category.kind == EntryKind.SANCTION and category.severity in self.suspends

    def is_severe(self, kind: str, severity: str) -> bool:
        """A sanction of the top severity (it blocks promotion) or one that
        suspends the qualification: such a sanction and its reversal need two people."""
        return kind == EntryKind.SANCTION and (severity == SEVERE or severity in self.suspends)

    def check_against(self, qualification_codes: set[str] | list[str]) -> list[SourceIssue]:
        """The qualification a severe sanction suspends must be one the platform grants."""
        if self.suspended_qualification is None or self.suspended_qualification in qualification_codes:
            return []
        return [SourceIssue(self.source, self.qualification_line,
                            f"unknown qualification '{self.suspended_qualification}' in 'suspended_qualification'")]


def load_catalogue(policies_dir: Path) -> Catalogue:
    """Read and validate the catalogue; raise SourceInvalid listing every problem."""
    path = Path(policies_dir) / CATALOGUE_FILE
    shown = display_path(path, Path(policies_dir))
    if not path.is_file():
        raise SourceInvalid([SourceIssue(shown, 1, "file missing")])
    text, issue = read_text(path, shown)
    data, issue = (None, issue) if issue else parse_yaml(text, shown)
    if issue:
        raise SourceInvalid([issue])
    if not isinstance(data, LineDict):
        raise SourceInvalid([SourceIssue(shown, 1, "expected a mapping with 'categories'")])

    issues: list[SourceIssue] = []

    def add(line: int, message: str) -> None:
        issues.append(SourceIssue(shown, line, message))

    for key in data:
        if key not in TOP_KEYS:
            add(data.line_of(key), f"unknown key '{key}'")
    entries = data.get("categories")
    if not isinstance(entries, LineDict) or not entries:
        add(data.line_of("categories"), "'categories' must be a non-empty mapping")
        entries = LineDict()
    categories = {}
    for code, spec in entries.items():
        category = _category(code, spec, entries.line_of(code), add)
        if category is not None:
            categories[code] = category

    suspends = data.get("suspends", [])
    if not isinstance(suspends, list) or any(s not in SEVERITIES for s in suspends):
        add(data.line_of("suspends"), f"'suspends' must list some of: {', '.join(SEVERITIES)}")
        suspends = []
    qualification = data.get("suspended_qualification")
    if qualification is not None and (not isinstance(qualification, str) or not qualification.strip()):
        add(data.line_of("suspended_qualification"), "'suspended_qualification' must be a qualification code")
        qualification = None
    if suspends and "suspended_qualification" not in data:
        add(data.line_of("suspends"), "'suspends' needs 'suspended_qualification': the qualification to suspend")
    if issues:
        raise SourceInvalid(issues)
    return Catalogue(categories, tuple(suspends), qualification, shown, data.line_of("suspended_qualification"))


def _category(code, spec, line: int, add) -> Category | None:
    if not isinstance(code, str) or not CODE.match(code):
        add(line, f"category code '{code}' must be lowercase letters, digits and '_' (at most 60)")
        return None
    if not isinstance(spec, LineDict):
        add(line, f"category '{code}' must be a mapping")
        return None
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        add(spec.key_lines.get(key, line), f"category '{code}': {message}")  # a missing key: the category's line

    for key in spec:
        if key not in CATEGORY_KEYS:
            bad(key, f"unknown key '{key}'")
    kind, severity = spec.get("kind"), spec.get("severity")
    if kind not in KINDS:
        bad("kind", f"'kind' must be one of: {', '.join(KINDS)}")
    if severity not in SEVERITIES:
        bad("severity", f"'severity' must be one of: {', '.join(SEVERITIES)}")
    points = spec.get("points")
    if not (isinstance(points, list) and len(points) == 2
            and all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in points)):
        bad("points", "'points' must be [min, max], two whole numbers of at least 1")
    elif points[0] > points[1]:
        bad("points", f"'points' minimum {points[0]} is above the maximum {points[1]}")
    for locale in LOCALES:
        name = spec.get(locale)
        if not isinstance(name, str) or not name.strip():
            bad(locale, f"needs a name in '{locale}'")
    if not ok:
        return None
    return Category(code, kind, severity, points[0], points[1], {loc: spec[loc].strip() for loc in LOCALES}, line)
