"""The evaluation policy (`policies/evaluation.yaml`): component weights, the
ledger points range, bands and promotion rules, validated with `file:line`
messages and read once per app."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from trainer import policies
from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

POLICY_FILE = "evaluation.yaml"
LOCALES = ("es", "en")
COMPONENTS = ("inspections_on_time", "quality", "warning_signals", "ledger")
TOP_KEYS = ("weights", "ledger_points_range", "bands", "promotion")
BAND_KEYS = {"name", "min", *LOCALES}
PROMOTION_KEYS = ("min_score", "requires_valid_qualification", "no_severe_sanction")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Band:
    name: str
    min: Fraction
    labels: dict[str, str]

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["es"]


@dataclass(frozen=True)
class Promotion:
    min_score: Fraction
    requires_valid_qualification: str | None
    no_severe_sanction: bool


@dataclass(frozen=True)
class EvaluationPolicy:
    weights: dict[str, Fraction]  # every component, in COMPONENTS order
    ledger_points_range: tuple[int, int]
    bands: tuple[Band, ...]  # highest minimum first; the last one starts at 0
    promotion: Promotion
    source: str = POLICY_FILE
    qualification_line: int = 1

    def band_for(self, total) -> Band:
        return next(band for band in self.bands if band.min <= total)

    def check_against(self, qualification_codes) -> list[SourceIssue]:
        """The qualification promotion requires must be one the platform grants."""
        wanted = self.promotion.requires_valid_qualification
        if wanted is None or wanted in qualification_codes:
            return []
        return [SourceIssue(self.source, self.qualification_line,
                            f"unknown qualification '{wanted}' in 'requires_valid_qualification'")]


def _number(value) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Fraction(str(value))


class _Checker:
    def __init__(self, shown: str):
        self.shown = shown
        self.issues: list[SourceIssue] = []

    def add(self, line: int, message: str) -> None:
        self.issues.append(SourceIssue(self.shown, line, message))

    def unknown_keys(self, spec: LineDict, allowed) -> None:
        for key in spec:
            if key not in allowed:
                self.add(spec.line_of(key), f"unknown key '{key}'")

    def mapping(self, data: LineDict, key: str) -> LineDict:
        value = data.get(key)
        if not isinstance(value, LineDict):
            self.add(data.line_of(key), f"'{key}' must be a mapping")
            return LineDict()
        return value

    def score(self, spec: LineDict, key: str, line: int) -> Fraction:
        value = _number(spec.get(key))
        if value is None or not 0 <= value <= 100:
            self.add(spec.line_of(key) if key in spec else line, f"'{key}' must be a number from 0 to 100")
            return Fraction(0)
        return value


def load_policy(policies_dir: Path) -> EvaluationPolicy:
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

    check = _Checker(shown)
    check.unknown_keys(data, TOP_KEYS)
    weights = _weights(check, data)
    points_range = _points_range(check, data)
    bands = _bands(check, data)
    promotion_spec = check.mapping(data, "promotion")
    promotion = _promotion(check, promotion_spec, data.line_of("promotion"))
    if check.issues:
        raise SourceInvalid(check.issues)
    return EvaluationPolicy(weights, points_range, bands, promotion, shown,
                            promotion_spec.line_of("requires_valid_qualification"))


def _weights(check: _Checker, data: LineDict) -> dict[str, Fraction]:
    spec = check.mapping(data, "weights")
    check.unknown_keys(spec, COMPONENTS)
    weights, complete = {}, True
    for code in COMPONENTS:
        value = _number(spec.get(code))
        if code not in spec:
            check.add(data.line_of("weights"), f"weight of '{code}' missing")
        elif value is None or value < 0:
            check.add(spec.line_of(code), f"the weight of '{code}' must be a number of at least 0")
        complete = complete and value is not None and value >= 0
        weights[code] = value if value is not None and value >= 0 else Fraction(0)
    if complete and sum(weights.values()) == 0:
        check.add(data.line_of("weights"), "at least one weight must be above 0")
    return weights


def _points_range(check: _Checker, data: LineDict) -> tuple[int, int]:
    value = data.get("ledger_points_range")
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value) or value[0] >= value[1]):
        check.add(data.line_of("ledger_points_range"),
                  "'ledger_points_range' must be [lowest, highest], two whole numbers, lowest first")
        return (-50, 50)
    return (value[0], value[1])


def _bands(check: _Checker, data: LineDict) -> tuple[Band, ...]:
    entries = data.get("bands")
    line = data.line_of("bands")
    if not isinstance(entries, list) or not entries:
        check.add(line, "'bands' must be a non-empty list of {name, min, es, en}")
        return ()
    bands: list[Band] = []
    for spec in entries:
        if not isinstance(spec, LineDict):
            check.add(line, "each band must be a mapping {name, min, es, en}")
            continue
        check.unknown_keys(spec, BAND_KEYS)
        name = spec.get("name")
        if not isinstance(name, str) or not CODE.match(name):
            check.add(spec.line_of("name") if "name" in spec else spec.line,
                      "a band needs a 'name' of lowercase letters, digits and _")
            name = ""
        elif any(band.name == name for band in bands):
            check.add(spec.line_of("name"), f"band '{name}' appears twice")
        minimum = check.score(spec, "min", spec.line)
        if bands and minimum >= bands[-1].min:
            check.add(spec.line_of("min"), "bands must go from the highest minimum score down")
        labels = {}
        for loc in LOCALES:
            if not isinstance(spec.get(loc), str) or not spec[loc].strip():
                check.add(spec.line_of(loc) if loc in spec else spec.line, f"band '{name}' needs a name in '{loc}'")
            else:
                labels[loc] = spec[loc].strip()
        bands.append(Band(name, minimum, labels))
    if bands and bands[-1].min != 0:
        check.add(entries[-1].line if isinstance(entries[-1], LineDict) else line,
                  "the last band must start at 0, so that every score has a band")
    return tuple(bands)


def _promotion(check: _Checker, spec: LineDict, line: int) -> Promotion:
    check.unknown_keys(spec, PROMOTION_KEYS)
    qualification = spec.get("requires_valid_qualification")
    if qualification is not None and not isinstance(qualification, str):
        check.add(spec.line_of("requires_valid_qualification"),
                  "'requires_valid_qualification' must name a qualification, or be left out")
        qualification = None
    severe = spec.get("no_severe_sanction", False)
    if not isinstance(severe, bool):
        check.add(spec.line_of("no_severe_sanction"), "'no_severe_sanction' must be true or false")
        severe = False
    return Promotion(check.score(spec, "min_score", spec.line if spec else line), qualification, severe)


def _load(policies_dir) -> EvaluationPolicy:
    from trainer.certification.services import definitions

    policy = load_policy(policies_dir)
    issues = policy.check_against(set(definitions()))
    if issues:
        raise SourceInvalid(issues)
    return policy


def evaluation_policy() -> EvaluationPolicy:
    """The policy from policies/evaluation.yaml, read once per app."""
    return policies.cached("evaluation", _load)
