"""Quarters and the pure arithmetic: rounding, renormalised weights, bands and promotion checks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from trainer.evaluation import scoring
from trainer.evaluation.policy import Band, EvaluationPolicy, Promotion
from trainer.evaluation.quarters import BadQuarter, Quarter, deadline

POLICY = EvaluationPolicy(
    weights={"inspections_on_time": Fraction(35), "quality": Fraction(30), "warning_signals": Fraction(15),
             "ledger": Fraction(20)},
    ledger_points_range=(-50, 50),
    bands=(Band("outstanding", Fraction(85), {"es": "Sobresaliente"}), Band("good", Fraction(70), {"es": "Bueno"}),
           Band("low", Fraction(0), {"es": "Bajo"})),
    promotion=Promotion(Fraction(80), "inspector", True),
)


def months(*counts: tuple[int, int], passed: bool = True) -> tuple[scoring.MonthCount, ...]:
    return tuple(scoring.MonthCount(date(2025, i + 1, 1), date(2025, i + 2, 5), passed, loans, done)
                 for i, (loans, done) in enumerate(counts))


def test_quarters():
    q = Quarter.parse(" 2025-q4 ")
    assert (q.start, q.end, q.months[1]) == (date(2025, 10, 1), date(2025, 12, 31), date(2025, 11, 1))
    assert q.shift(1) == Quarter(2026, 1) and q.shift(-4) == Quarter(2024, 4)
    assert Quarter.containing(date(2024, 2, 29)).code == "2024-Q1"
    assert [x.code for x in Quarter(2025, 2).last(3)] == ["2024-Q4", "2025-Q1", "2025-Q2"]
    assert deadline(date(2025, 12, 1)) == date(2026, 1, 5)
    for bad in ("2025-Q0", "2025Q1", "", "1999-Q4", "2025-Q1; drop"):
        with pytest.raises(BadQuarter):
            Quarter.parse(bad)


def test_one_decimal_rounds_half_up():
    assert scoring.one_decimal(Fraction(1249, 20)) == Decimal("62.5")  # 62.45
    assert scoring.one_decimal(Fraction(12491, 200)) == Decimal("62.5")  # 62.455
    assert scoring.one_decimal(Fraction(200, 3)) == Decimal("66.7")
    assert str(scoring.one_decimal(Fraction(-1, 20))) == "-0.1"  # half away from zero, like ROUND_HALF_UP
    assert str(scoring.one_decimal(Fraction(-3, 100))) == "0.0"  # never "-0.0"
    assert str(scoring.one_decimal(100)) == "100.0"


def test_every_component_applies():
    raw = scoring.Raw(months((2, 2), (2, 1), (2, 2)), reports_scored=2, quality_sum=150, signals_raised=5,
                      signals_judged=4, signals_confirmed=3, ledger_points=10)
    result = scoring.score(raw, POLICY)
    scores = {c.code: c.score for c in result.components.values()}
    assert scores == {"inspections_on_time": Fraction(250, 3), "quality": 75, "warning_signals": 75, "ledger": 60}
    # (83.33 × 35 + 75 × 30 + 75 × 15 + 60 × 20) / 100 = 74.9167
    assert result.total == Fraction(749, 10) and result.band.name == "good"
    assert sum(result.share(c) for c in result.components.values()) == 1


def test_weights_of_components_that_do_not_apply_go_to_the_others():
    raw = scoring.Raw(months((0, 0), (0, 0), (0, 0)), reports_scored=1, quality_sum=90, ledger_points=0)
    result = scoring.score(raw, POLICY)
    assert [c.code for c in result.left_out] == ["inspections_on_time", "warning_signals"]
    assert result.applicable_weight == 50
    assert result.share(result.components["quality"]) == Fraction(3, 5)
    assert result.share(result.components["warning_signals"]) is None
    assert result.total == Fraction(74)  # (90 × 30 + 50 × 20) / 50


def test_no_applicable_component_means_no_total():
    policy = EvaluationPolicy({**POLICY.weights, "ledger": Fraction(0)}, (-50, 50), POLICY.bands, POLICY.promotion)
    result = scoring.score(scoring.Raw(months((0, 0))), policy)
    assert (result.total, result.band) == (None, None)
    indication = scoring.promotion(result, policy, qualified=True, severe_sanction=False)
    assert not indication.eligible and [c.code for c in indication.failed] == ["score"]


def test_bands_read_the_rounded_total():
    # ledger only: 100 × (p + 50) / 100 = p + 50; 84.96 rounds to 85.0: outstanding
    raw = scoring.Raw(months((0, 0)), ledger_points=3496, people=100)
    assert scoring.score(raw, POLICY).band.name == "outstanding"
    raw = scoring.Raw(months((0, 0)), ledger_points=3494, people=100)
    assert scoring.score(raw, POLICY).band.name == "good"


def test_ledger_points_are_clamped_and_a_department_uses_the_mean():
    assert scoring.score(scoring.Raw(months((0, 0)), ledger_points=-70), POLICY).total == 0
    department = scoring.total_of([scoring.Raw(months((1, 1)), ledger_points=30),
                                   scoring.Raw(months((2, 0)), ledger_points=-10)], months((0, 0)))
    assert (department.people, department.ledger_mean, department.due, department.on_time) == (2, 10, 3, 1)


def test_a_month_before_its_deadline_counts_only_what_is_done():
    raw = scoring.Raw(months((3, 1), (3, 0), passed=False))
    assert (raw.due, raw.on_time) == (1, 1)


@pytest.mark.parametrize("qualified, severe, failed", [
    (True, False, []), (False, False, ["qualification"]), (True, True, ["severe_sanction"]),
    (False, True, ["qualification", "severe_sanction"]),
])
def test_promotion_checks(qualified, severe, failed):
    result = scoring.score(scoring.Raw(months((0, 0)), ledger_points=40), POLICY)  # 90
    indication = scoring.promotion(result, POLICY, qualified, severe)
    assert [c.code for c in indication.failed] == failed
    assert indication.eligible is (not failed)


def test_promotion_rules_can_be_switched_off():
    policy = EvaluationPolicy(POLICY.weights, (-50, 50), POLICY.bands, Promotion(Fraction(80), None, False))
    result = scoring.score(scoring.Raw(months((0, 0)), ledger_points=30), policy)  # exactly 80
    indication = scoring.promotion(result, policy, qualified=False, severe_sanction=True)
    assert indication.eligible and [c.code for c in indication.checks] == ["score"]
