"""The reading policy (`policies/reading.yaml`): the minimum reading time per
section and the statement a person confirms on completing a module, validated
with `file:line` messages and read once per app."""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from trainer import policies
from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

if TYPE_CHECKING:
    from trainer.content.loader import ModuleSource

POLICY_FILE = "reading.yaml"
LOCALES = ("es", "en")
TOP_KEYS = ("words_per_minute", "min_seconds_per_section", "statement")
STATEMENT_KEYS = ("version", *LOCALES)
WORDS_PER_MINUTE = (50, 1000)
MIN_SECONDS = (0, 3600)
WORD = re.compile(r"\w+")
# Tests and demos may shorten the times for one app: {"min_seconds_per_section": 0, ...}.
OVERRIDES_KEY = "READING_POLICY_OVERRIDES"


@dataclass(frozen=True)
class Statement:
    version: int
    texts: dict[str, str]

    def text(self, locale: str) -> str:
        return self.texts.get(locale) or self.texts["es"]


@dataclass(frozen=True)
class ReadingPolicy:
    words_per_minute: float
    min_seconds_per_section: float
    statement: Statement

    def seconds_for(self, markdown_by_locale: list[str]) -> float:
        """The minimum reading time of one section: the floor, or its shortest translation at the policy's pace."""
        words = min((len(WORD.findall(text)) for text in markdown_by_locale), default=0)
        return max(float(self.min_seconds_per_section), words * 60 / self.words_per_minute)


def module_minimum_seconds(module: "ModuleSource", policy: ReadingPolicy) -> float:
    """The least time the reading rule lets a person spend on a module: its sections' minimums added up."""
    texts = list(module.texts.values())
    return sum(policy.seconds_for([t.sections[i].markdown for t in texts]) for i in range(len(texts[0].sections)))


def reading_time_issues(modules: list["ModuleSource"], policy: ReadingPolicy) -> list[SourceIssue]:
    """A module's stated reading time (`minutes:`) may not promise less than the reading rule enforces."""
    issues = []
    for module in modules:
        least = module_minimum_seconds(module, policy)
        if module.minutes * 60 < least:
            issues.append(SourceIssue(f"content/{module.slug}/es.md", module.minutes_line, (
                f"'minutes: {module.minutes}' is less than the reading rule's minimum for this text "
                f"({math.ceil(least / 60)} minutes at {policy.words_per_minute:g} words a minute, "
                f"policies/{POLICY_FILE}); state at least that")))
    return issues


def whole_seconds(seconds: float) -> int:
    """Seconds shown to a person: never says 0 while some time remains."""
    return max(0, math.ceil(seconds))


def load_reading_policy(policies_dir: Path) -> ReadingPolicy:
    """Read and validate the policy; raise SourceInvalid listing every problem."""
    path = Path(policies_dir) / POLICY_FILE
    shown = display_path(path, Path(policies_dir))
    if not path.is_file():
        raise SourceInvalid([SourceIssue(shown, 1, "file missing")])
    text, issue = read_text(path, shown)
    data, issue = (None, issue) if issue else parse_yaml(text, shown)
    if issue:
        raise SourceInvalid([issue])
    if not isinstance(data, LineDict):
        raise SourceInvalid([SourceIssue(shown, 1, f"expected a mapping with {', '.join(TOP_KEYS)}")])

    issues: list[SourceIssue] = []

    def add(line: int, message: str) -> None:
        issues.append(SourceIssue(shown, line, message))

    def whole(spec: LineDict, key: str, low: int, high: int, where: int = 1) -> int:
        value = spec.get(key)
        if key not in spec:
            add(where, f"'{key}' missing")
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            add(spec.line_of(key), f"'{key}' must be a whole number from {low} to {high}")
        else:
            return value
        return low

    for key in data:
        if key not in TOP_KEYS:
            add(data.line_of(key), f"unknown key '{key}'")
    pace = whole(data, "words_per_minute", *WORDS_PER_MINUTE)
    floor = whole(data, "min_seconds_per_section", *MIN_SECONDS)
    spec = data.get("statement")
    texts: dict[str, str] = {}
    version = 1
    if not isinstance(spec, LineDict):
        add(data.line_of("statement"), "'statement' must be a mapping with version, es and en")
    else:
        for key in spec:
            if key not in STATEMENT_KEYS:
                add(spec.line_of(key), f"unknown key 'statement.{key}'")
        where = data.line_of("statement")  # a missing key: the statement's line
        version = whole(spec, "version", 1, 10**6, where)
        for locale in LOCALES:
            value = spec.get(locale)
            if not isinstance(value, str) or not value.strip():
                add(spec.key_lines.get(locale, where), f"the statement needs a text in '{locale}'")
            elif len(value.strip()) > 1000:
                add(spec.line_of(locale), f"the statement in '{locale}' is longer than 1000 characters")
            else:
                texts[locale] = value.strip()
    if issues:
        raise SourceInvalid(issues)
    return ReadingPolicy(pace, floor, Statement(version, texts))


def reading_policy() -> ReadingPolicy:
    """The policy from policies/reading.yaml, read once per app, with this app's overrides."""
    policy = policies.cached("reading", load_reading_policy)
    overrides = current_app.config.get(OVERRIDES_KEY) or {}
    unknown = set(overrides) - {"words_per_minute", "min_seconds_per_section"}
    if unknown:
        raise ValueError(f"{OVERRIDES_KEY}: unknown keys {sorted(unknown)}")
    return dataclasses.replace(policy, **overrides) if overrides else policy
