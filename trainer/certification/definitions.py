"""Qualification definitions and their exam blueprints, read from
`question_bank/qualifications.yaml` and validated with `file:line` messages."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

DEFINITIONS_FILE = "qualifications.yaml"
LOCALES = ("es", "en")
LEVELS = ("inspector", "supervisor")
OVERDUE_POLICIES = ("autosubmit", "grace")
REVIEW_POLICIES = ("score_only", "wrong_answers", "all_answers")


@dataclass(frozen=True)
class DrawRule:
    module: str
    count: int
    tags: tuple[str, ...] = ()
    line: int = 1
    min_per_tag: tuple[tuple[str, int], ...] = ()  # ((tag, at least n), ...) within the count


@dataclass(frozen=True)
class ExamBlueprint:
    draw: tuple[DrawRule, ...]
    levels: tuple[str, ...]
    pass_mark: int
    time_limit_minutes: int
    attempts_per_window: int
    attempt_window_days: int
    cooldown_minutes: int
    overdue: str
    grace_minutes: int
    review: str
    # A retry does not repeat the questions whose answers the previous attempt's result showed,
    # while the bank has enough others (exams.drawing falls back to the whole pool when not).
    fresh_retry: bool = True

    @property
    def question_count(self) -> int:
        return sum(rule.count for rule in self.draw)


@dataclass(frozen=True)
class Qualification:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    prerequisites: tuple[str, ...]
    validity_months: int
    renewal_window_days: int
    exam: ExamBlueprint | None
    source: str = DEFINITIONS_FILE
    line: int = 1

    def title(self, locale: str) -> str:
        return self.name.get(locale) or self.name["es"]

    def text(self, locale: str) -> str:
        return self.description.get(locale) or self.description["es"]


class _Checker:
    """Collects problems while reading one definition."""

    def __init__(self, shown: str):
        self.shown = shown
        self.issues: list[SourceIssue] = []

    def add(self, line: int, message: str) -> None:
        self.issues.append(SourceIssue(self.shown, line, message))

    def positive_int(self, spec: LineDict, key: str, default: int | None = None, minimum: int = 1) -> int:
        value = spec.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.add(spec.line_of(key), f"'{key}' must be a whole number of at least {minimum}")
            return default or minimum
        return value

    def texts(self, spec: LineDict, key: str) -> dict[str, str]:
        value = spec.get(key)
        if not isinstance(value, dict) or any(not isinstance(value.get(loc), str) or not value[loc].strip() for loc in LOCALES):
            self.add(spec.line_of(key), f"'{key}' needs text in es and en")
            return {}
        return {loc: value[loc] for loc in LOCALES}

    def boolean(self, spec: LineDict, key: str, default: bool) -> bool:
        value = spec.get(key, default)
        if not isinstance(value, bool):
            self.add(spec.line_of(key), f"'{key}' must be true or false")
            return default
        return value

    def choice(self, spec: LineDict, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = spec.get(key, default)
        if value not in allowed:
            self.add(spec.line_of(key), f"'{key}' must be one of: {', '.join(allowed)}")
            return default
        return value


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
    entries = data.get("qualifications") if isinstance(data, LineDict) else None
    if not isinstance(entries, LineDict) or not entries:
        raise SourceInvalid([SourceIssue(shown, 1, "expected a 'qualifications' mapping")])

    check = _Checker(shown)
    result: dict[str, Qualification] = {}
    for code, spec in entries.items():
        if not isinstance(spec, LineDict):
            check.add(entries.line_of(code), f"qualification '{code}' must be a mapping")
            continue
        prerequisites = spec.get("prerequisites") or []
        if not isinstance(prerequisites, list):
            check.add(spec.line_of("prerequisites"), "'prerequisites' must be a list")
            prerequisites = []
        for other in prerequisites:
            if other not in entries or other == code:
                check.add(spec.line_of("prerequisites"), f"unknown prerequisite '{other}'")
        result[code] = Qualification(
            code=code,
            name=check.texts(spec, "name"),
            description=check.texts(spec, "description"),
            prerequisites=tuple(prerequisites),
            validity_months=check.positive_int(spec, "validity_months", 12),
            renewal_window_days=check.positive_int(spec, "renewal_window_days", 60),
            exam=_blueprint(spec, check),
            source=shown,
            line=entries.line_of(code),
        )
    if check.issues:
        raise SourceInvalid(check.issues)
    return result


def _min_per_tag(item: LineDict, count: int, check: _Checker) -> tuple[tuple[str, int], ...]:
    """`min_per_tag: {tag: n, ...}`: at least n of the rule's questions carry the tag.
    Whether the bank can meet it is checked with the bank (exams.bank)."""
    spec = item.get("min_per_tag")
    if spec is None:
        return ()
    if not isinstance(spec, LineDict) or not spec:
        check.add(item.line_of("min_per_tag"), "'min_per_tag' must map tags to a number of questions")
        return ()
    result = tuple((str(tag), check.positive_int(spec, tag)) for tag in spec)
    if sum(n for _, n in result) > count:
        check.add(item.line_of("min_per_tag"), f"'min_per_tag' asks for {sum(n for _, n in result)} questions "
                  f"but the rule draws only {count}")
    return result


def _blueprint(spec: LineDict, check: _Checker) -> ExamBlueprint | None:
    exam = spec.get("exam")
    if exam is None:
        return None
    if not isinstance(exam, LineDict):
        check.add(spec.line_of("exam"), "'exam' must be a mapping")
        return None
    rules = []
    draw = exam.get("draw")
    if not isinstance(draw, list) or not draw:
        check.add(exam.line_of("draw"), "'draw' must be a non-empty list of {module, count}")
        draw = []
    for item in draw:
        if not isinstance(item, LineDict) or not isinstance(item.get("module"), str):
            check.add(exam.line_of("draw"), "each draw rule needs a 'module' and a 'count'")
            continue
        tags = item.get("tags") or []
        if not isinstance(tags, list):
            check.add(item.line, "'tags' must be a list")
            tags = []
        count = check.positive_int(item, "count", 1)
        rules.append(DrawRule(item["module"], count, tuple(tags), item.line, _min_per_tag(item, count, check)))
    levels = exam.get("levels") or ["inspector"]
    if not isinstance(levels, list) or any(level not in LEVELS for level in levels):
        check.add(exam.line_of("levels"), f"'levels' must list some of: {', '.join(LEVELS)}")
        levels = ["inspector"]
    pass_mark = check.positive_int(exam, "pass_mark", 75)
    if pass_mark > 100:
        check.add(exam.line_of("pass_mark"), "'pass_mark' is a percentage: at most 100")
    overdue = check.choice(exam, "overdue", OVERDUE_POLICIES, "autosubmit")
    return ExamBlueprint(
        draw=tuple(rules),
        levels=tuple(levels),
        pass_mark=pass_mark,
        time_limit_minutes=check.positive_int(exam, "time_limit_minutes", 30),
        attempts_per_window=check.positive_int(exam, "attempts_per_window", 3),
        attempt_window_days=check.positive_int(exam, "attempt_window_days", 30),
        cooldown_minutes=check.positive_int(exam, "cooldown_minutes", 0, minimum=0),
        overdue=overdue,
        grace_minutes=check.positive_int(exam, "grace_minutes", 2) if overdue == "grace" else 0,
        review=check.choice(exam, "review", REVIEW_POLICIES, "wrong_answers"),
        fresh_retry=check.boolean(exam, "fresh_retry", True),
    )
