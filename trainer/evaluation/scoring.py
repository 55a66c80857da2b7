"""The arithmetic of the evaluation, without the database: the raw numbers of
a person (or of a department: the sum of its people's) in, component scores,
total, band and the promotion checks out.

Scores are exact fractions until shown; the total is rounded half up to one
decimal, and the band and the promotion threshold are read from that rounded
total, the figure the reader sees."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import date
from decimal import Decimal
from fractions import Fraction

from trainer.evaluation.policy import COMPONENTS, Band, EvaluationPolicy

ON_TIME, QUALITY, SIGNALS, LEDGER = COMPONENTS


def _tenths(value: Fraction | int) -> int:
    """Rounded half away from zero to a whole number of tenths, exactly, in integers
    (this runs for every cell of an export)."""
    numerator, denominator = value.numerator, value.denominator
    tenths = (20 * abs(numerator) + denominator) // (2 * denominator)
    return -tenths if numerator < 0 else tenths


def one_decimal(value: Fraction | int) -> Decimal:
    tenths = _tenths(value)
    return Decimal((int(tenths < 0), tuple(int(d) for d in str(abs(tenths)).rjust(2, "0")), -1))


@dataclass(frozen=True)
class MonthCount:
    """One month of the monthly inspection schedule."""

    first_day: date
    deadline: date  # last local day a report counts as on time
    deadline_passed: bool
    loans: int = 0  # loans in charge that owed this month's regular inspection
    on_time: int = 0  # of them, inspected and submitted by the deadline

    @property
    def due(self) -> int:
        # Before the deadline a missing inspection is not late yet, but one already done counts.
        return self.loans if self.deadline_passed else self.on_time

    def __add__(self, other: MonthCount) -> MonthCount:
        return replace(self, loans=self.loans + other.loans, on_time=self.on_time + other.on_time)


@dataclass(frozen=True)
class Raw:
    """The numbers behind the scores, for one person or summed over a department's people."""

    months: tuple[MonthCount, ...]
    reports_scored: int = 0  # reports whose latest review accepted them
    quality_sum: int = 0  # sum of those reviews' quality scores
    signals_raised: int = 0  # in reviewed reports
    signals_judged: int = 0  # the supervisor confirmed or rejected them
    signals_confirmed: int = 0
    ledger_points: int = 0  # net points, summed over the people
    people: int = 1

    @property
    def due(self) -> int:
        return sum(m.due for m in self.months)

    @property
    def on_time(self) -> int:
        return sum(m.on_time for m in self.months)

    @property
    def ledger_mean(self) -> Fraction:
        return Fraction(self.ledger_points, self.people) if self.people else Fraction(0)

    def __add__(self, other: Raw) -> Raw:
        return Raw(tuple(a + b for a, b in zip(self.months, other.months)),
                   self.reports_scored + other.reports_scored, self.quality_sum + other.quality_sum,
                   self.signals_raised + other.signals_raised, self.signals_judged + other.signals_judged,
                   self.signals_confirmed + other.signals_confirmed, self.ledger_points + other.ledger_points,
                   self.people + other.people)


def total_of(raws: list[Raw], months: tuple[MonthCount, ...]) -> Raw:
    """The department (or bank) figures: sums of its people's numbers."""
    result = Raw(months, people=0)
    for raw in raws:
        result = result + raw
    return result


@dataclass(frozen=True)
class Component:
    code: str
    score: Fraction | None  # None: not applicable
    weight: Fraction  # from the policy

    @property
    def applicable(self) -> bool:
        return self.score is not None

    @cached_property
    def shown(self) -> Decimal | None:
        return None if self.score is None else one_decimal(self.score)


@dataclass(frozen=True)
class Result:
    components: dict[str, Component]
    total: Fraction | None  # rounded to one decimal; None when no component applies
    band: Band | None
    applicable_weight: Fraction = Fraction(0)

    @cached_property
    def total_shown(self) -> Decimal | None:
        return None if self.total is None else one_decimal(self.total)

    def share(self, component: Component) -> Fraction | None:
        """The component's weight renormalised over the applicable components."""
        if not component.applicable or not self.applicable_weight:
            return None
        return component.weight / self.applicable_weight

    @property
    def left_out(self) -> list[Component]:
        return [c for c in self.components.values() if not c.applicable and c.weight]

    @property
    def counted(self) -> list[Component]:
        return [c for c in self.components.values() if c.applicable and c.weight]


def component_scores(raw: Raw, policy: EvaluationPolicy) -> dict[str, Fraction | None]:
    low, high = policy.ledger_points_range
    clamped = min(max(raw.ledger_mean, Fraction(low)), Fraction(high))
    return {
        ON_TIME: Fraction(100 * raw.on_time, raw.due) if raw.due else None,
        QUALITY: Fraction(raw.quality_sum, raw.reports_scored) if raw.reports_scored else None,
        SIGNALS: Fraction(100 * raw.signals_confirmed, raw.signals_judged) if raw.signals_judged else None,
        LEDGER: 100 * (clamped - low) / (high - low),
    }


def score(raw: Raw, policy: EvaluationPolicy) -> Result:
    scores = component_scores(raw, policy)
    components = {c: Component(c, scores[c], policy.weights[c]) for c in COMPONENTS}
    counted = [(scores[c], policy.weights[c]) for c in COMPONENTS if scores[c] is not None and policy.weights[c]]
    applicable_weight = sum(weight for _score, weight in counted)
    if not applicable_weight:
        return Result(components, None, None)
    exact = sum(value * weight for value, weight in counted) / applicable_weight
    total = Fraction(_tenths(exact), 10)
    return Result(components, total, policy.band_for(total), applicable_weight)


# --- promotion ----------------------------------------------------------------------

SCORE_CHECK, QUALIFICATION_CHECK, SANCTION_CHECK = "score", "qualification", "severe_sanction"


@dataclass(frozen=True)
class Check:
    code: str  # score | qualification | severe_sanction
    ok: bool


@dataclass(frozen=True)
class PromotionIndication:
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def promotion(result: Result, policy: EvaluationPolicy, qualified: bool, severe_sanction: bool) -> PromotionIndication:
    rules = policy.promotion
    checks = [Check(SCORE_CHECK, result.total is not None and result.total >= rules.min_score)]
    if rules.requires_valid_qualification:
        checks.append(Check(QUALIFICATION_CHECK, qualified))
    if rules.no_severe_sanction:
        checks.append(Check(SANCTION_CHECK, not severe_sanction))
    return PromotionIndication(tuple(checks))
