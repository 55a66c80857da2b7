"""The inspection checklist (`policies/inspection.yaml`) and the review rubric
(`policies/rubric.yaml`), validated with `file:line` messages."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer import policies
from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

INSPECTION_FILE = "inspection.yaml"
RUBRIC_FILE = "rubric.yaml"
LOCALES = ("es", "en")
SEVERITIES = ("low", "medium", "high")
DEFAULT_DAYS_BACK = 45  # a month's inspection is due by the 5th of the next month; some room for late filing
MAX_DAYS_BACK = 366  # a bound that catches a typo (450 for 45)


@dataclass(frozen=True)
class Named:
    """A catalogue entry with its name in every language."""

    code: str
    names: dict[str, str]

    def label(self, locale: str) -> str:
        return self.names.get(locale) or self.names["es"]


@dataclass(frozen=True)
class Signal(Named):
    severity: str = "medium"
    area: str = ""


@dataclass(frozen=True)
class InspectionPolicy:
    areas: tuple[Named, ...]  # in the order a report lists them
    ratings: dict[str, Named]
    signals: dict[str, Signal]
    max_days_back: int = DEFAULT_DAYS_BACK  # how long before the day it is filed an inspection may be dated

    @property
    def area_codes(self) -> tuple[str, ...]:
        return tuple(area.code for area in self.areas)

    def area(self, code: str) -> Named | None:
        return next((a for a in self.areas if a.code == code), None)

    @property
    def worst_rating(self) -> str:
        """The last rating listed (serious): giving it needs a warning signal of the area or a reason."""
        return list(self.ratings)[-1]


@dataclass(frozen=True)
class Criterion(Named):
    weight: int = 1
    max: int = 1
    levels: tuple[dict[str, str], ...] = ()  # what each score 0..max means, in every language

    def level(self, score: int, locale: str) -> str:
        """What `score` means on this criterion, in `locale` (empty when the rubric does not say)."""
        if not 0 <= score < len(self.levels):
            return ""
        names = self.levels[score]
        return names.get(locale) or names.get("es", "")


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]

    def quality_score(self, scores: dict[str, int]) -> int:
        """0-100: the weighted share of the maximum, over every criterion."""
        total = sum(c.weight for c in self.criteria)
        earned = sum(c.weight * scores[c.code] / c.max for c in self.criteria)
        return round(100 * earned / total)


class _Reader:
    """Collects problems while reading one policy file."""

    def __init__(self, policies_dir: Path, filename: str):
        self.path = Path(policies_dir) / filename
        self.shown = display_path(self.path, Path(policies_dir))
        self.issues: list[SourceIssue] = []

    def document(self) -> LineDict:
        if not self.path.is_file():
            raise SourceInvalid([SourceIssue(self.shown, 1, "file missing")])
        text, issue = read_text(self.path, self.shown)
        data, issue = (None, issue) if issue else parse_yaml(text, self.shown)
        if issue:
            raise SourceInvalid([issue])
        if not isinstance(data, LineDict):
            raise SourceInvalid([SourceIssue(self.shown, 1, "expected a mapping at the top")])
        return data

    def add(self, line: int, message: str) -> None:
        self.issues.append(SourceIssue(self.shown, line, message))

    def section(self, data: LineDict, key: str) -> LineDict:
        value = data.get(key)
        if not isinstance(value, LineDict) or not value:
            self.add(data.line_of(key), f"expected a non-empty '{key}' mapping")
            return LineDict()
        return value

    def entries(self, section: LineDict, what: str):
        for code, spec in section.items():
            if not isinstance(code, str) or not code.replace("_", "").isalnum() or not code.islower():
                self.add(section.line_of(code), f"{what} code '{code}' may hold only lowercase letters, digits and '_'")
            elif not isinstance(spec, LineDict):
                self.add(section.line_of(code), f"{what} '{code}' must be a mapping")
            else:
                yield code, spec

    def names(self, spec: LineDict, what: str, code: str) -> dict[str, str]:
        names = {}
        for locale in LOCALES:
            value = spec.get(locale)
            if not isinstance(value, str) or not value.strip():
                self.add(spec.line_of(locale), f"{what} '{code}' needs a name in '{locale}'")
            else:
                names[locale] = value.strip()
        return names

    def positive_int(self, spec: LineDict, key: str, what: str, code: str) -> int:
        value = spec.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.add(spec.line_of(key), f"{what} '{code}': '{key}' must be a whole number of at least 1")
            return 1
        return value

    def done(self) -> None:
        if self.issues:
            raise SourceInvalid(self.issues)


def load_inspection_policy(policies_dir: Path) -> InspectionPolicy:
    """Read and validate inspection.yaml; raise SourceInvalid listing every problem."""
    reader = _Reader(policies_dir, INSPECTION_FILE)
    data = reader.document()
    areas = tuple(Named(code, reader.names(spec, "area", code))
                  for code, spec in reader.entries(reader.section(data, "areas"), "area"))
    ratings = {code: Named(code, reader.names(spec, "rating", code))
               for code, spec in reader.entries(reader.section(data, "ratings"), "rating")}
    area_codes = {a.code for a in areas}
    signals = {}
    for code, spec in reader.entries(reader.section(data, "signals"), "signal"):
        severity, area = spec.get("severity"), spec.get("area")
        if severity not in SEVERITIES:
            reader.add(spec.line_of("severity"), f"signal '{code}': 'severity' must be one of: {', '.join(SEVERITIES)}")
        if area not in area_codes:
            reader.add(spec.line_of("area"), f"signal '{code}': unknown area '{area}'")
        signals[code] = Signal(code, reader.names(spec, "signal", code), severity=severity, area=area)
    max_days_back = data.get("max_days_back", DEFAULT_DAYS_BACK)
    if not isinstance(max_days_back, int) or isinstance(max_days_back, bool) or not 0 <= max_days_back <= MAX_DAYS_BACK:
        reader.add(data.line_of("max_days_back"),
                   f"'max_days_back' must be a whole number of days from 0 to {MAX_DAYS_BACK}")
        max_days_back = 0
    reader.done()
    return InspectionPolicy(areas, ratings, signals, max_days_back)


def load_rubric(policies_dir: Path) -> Rubric:
    """Read and validate rubric.yaml; raise SourceInvalid listing every problem."""
    reader = _Reader(policies_dir, RUBRIC_FILE)
    data = reader.document()
    criteria = []
    for code, spec in reader.entries(reader.section(data, "criteria"), "criterion"):
        names = reader.names(spec, "criterion", code)
        weight = reader.positive_int(spec, "weight", "criterion", code)
        valid_max = isinstance(spec.get("max"), int) and not isinstance(spec.get("max"), bool) and spec.get("max") >= 1
        top = reader.positive_int(spec, "max", "criterion", code)
        levels = _levels(reader, spec, code, top) if valid_max else ()
        criteria.append(Criterion(code, names, weight=weight, max=top, levels=levels))
    reader.done()
    return Rubric(tuple(criteria))


def _levels(reader: _Reader, spec: LineDict, code: str, top: int) -> tuple[dict[str, str], ...]:
    """`levels`: every score from 0 to `max`, each described in every language."""
    levels = spec.get("levels")
    if not isinstance(levels, LineDict):
        reader.add(spec.line_of("levels") if "levels" in spec else spec.line,
                   f"criterion '{code}' needs 'levels' saying what each score from 0 to {top} means")
        return ()
    wanted = set(range(top + 1))
    for key in levels:
        if key not in wanted:
            reader.add(levels.line_of(key), f"criterion '{code}': level '{key}' is not a score from 0 to {top}")
    described = []
    for score in range(top + 1):
        entry = levels.get(score)
        if entry is None:
            reader.add(levels.line, f"criterion '{code}': level {score} is not described")
            described.append({})
        elif not isinstance(entry, LineDict):
            reader.add(levels.line_of(score), f"criterion '{code}': level {score} must map each language to a description")
            described.append({})
        else:
            texts = {}
            for locale in LOCALES:
                value = entry.get(locale)
                if not isinstance(value, str) or not value.strip():
                    reader.add(entry.line_of(locale), f"criterion '{code}': level {score} needs a description in '{locale}'")
                else:
                    texts[locale] = value.strip()
            described.append(texts)
    return tuple(described)


def inspection_policy() -> InspectionPolicy:
    return policies.cached("inspection", load_inspection_policy)


def rubric() -> Rubric:
    return policies.cached("rubric", load_rubric)
