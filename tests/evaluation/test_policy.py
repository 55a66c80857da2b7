"""policies/evaluation.yaml: read once, every problem reported as file:line."""
from __future__ import annotations

from fractions import Fraction
from textwrap import dedent

import pytest

from trainer import policies
from trainer.evaluation.policy import evaluation_policy, load_policy
from trainer.sourcefiles import SourceInvalid

GOOD = dedent("""\
    weights:
      inspections_on_time: 35
      quality: 30
      warning_signals: 15
      ledger: 20
    ledger_points_range: [-50, 50]
    bands:
      - {name: high, min: 80, es: "Alto", en: "High"}
      - {name: low, min: 0, es: "Bajo", en: "Low"}
    promotion:
      min_score: 80
      requires_valid_qualification: inspector
      no_severe_sanction: true
    """)


def write(tmp_path, text: str):
    folder = tmp_path / "policies"
    folder.mkdir(exist_ok=True)
    (folder / "evaluation.yaml").write_text(text, encoding="utf-8")
    return folder


def problems(tmp_path, text: str) -> list[str]:
    with pytest.raises(SourceInvalid) as error:
        load_policy(write(tmp_path, text))
    return [str(issue) for issue in error.value.issues]


def test_the_shipped_policy_loads(ctx):
    policy = evaluation_policy()
    assert policy.weights == {"inspections_on_time": 35, "quality": 30, "warning_signals": 15, "ledger": 20}
    assert policy.ledger_points_range == (-50, 50)
    assert [(b.name, b.min) for b in policy.bands] == [("outstanding", 85), ("good", 70), ("adequate", 55),
                                                       ("needs_improvement", 0)]
    assert policy.bands[1].label("es") == "Bueno"
    assert (policy.promotion.min_score, policy.promotion.requires_valid_qualification,
            policy.promotion.no_severe_sanction) == (80, "inspector", True)
    assert evaluation_policy() is policy  # read once per app


def test_a_valid_file_with_fractions(tmp_path):
    policy = load_policy(write(tmp_path, GOOD.replace("min_score: 80", "min_score: 72.5")))
    assert policy.promotion.min_score == Fraction(145, 2)
    assert policy.band_for(Fraction(80)).name == "high" and policy.band_for(Fraction(799, 10)).name == "low"


def test_every_problem_is_reported_with_its_line(tmp_path):
    text = dedent("""\
        weights:
          inspections_on_time: -1
          quality: 30
          ledger: "lots"
          attendance: 5
        ledger_points_range: [50, -50]
        bands:
          - {name: low, min: 0, es: "Bajo", en: "Low"}
          - {name: high, min: 80, es: "Alto"}
        promotion:
          min_score: 120
          no_severe_sanction: "yes"
          requires_valid_qualification: [inspector]
        colour: blue
        """)
    assert problems(tmp_path, text) == [
        "policies/evaluation.yaml:1: weight of 'warning_signals' missing",
        "policies/evaluation.yaml:2: the weight of 'inspections_on_time' must be a number of at least 0",
        "policies/evaluation.yaml:4: the weight of 'ledger' must be a number of at least 0",
        "policies/evaluation.yaml:5: unknown key 'attendance'",
        "policies/evaluation.yaml:6: 'ledger_points_range' must be [lowest, highest], two whole numbers, lowest first",
        "policies/evaluation.yaml:9: band 'high' needs a name in 'en'",
        "policies/evaluation.yaml:9: bands must go from the highest minimum score down",
        "policies/evaluation.yaml:9: the last band must start at 0, so that every score has a band",
        "policies/evaluation.yaml:11: 'min_score' must be a number from 0 to 100",
        "policies/evaluation.yaml:12: 'no_severe_sanction' must be true or false",
        "policies/evaluation.yaml:13: 'requires_valid_qualification' must name a qualification, or be left out",
        "policies/evaluation.yaml:14: unknown key 'colour'",
    ]


def test_all_weights_zero_is_refused(tmp_path):
    text = GOOD
    for name in ("35", "30", "15", "20"):
        text = text.replace(f": {name}\n", ": 0\n", 1)
    assert problems(tmp_path, text) == ["policies/evaluation.yaml:1: at least one weight must be above 0"]


def test_broken_yaml_and_missing_file(tmp_path):
    [issue] = problems(tmp_path, "weights: [\n")
    assert issue.startswith("policies/evaluation.yaml:2: invalid YAML")
    with pytest.raises(SourceInvalid, match="file missing"):
        load_policy(tmp_path / "nowhere")


def test_the_required_qualification_must_exist(ctx, tmp_path):
    ctx.config["POLICIES_DIR"] = write(tmp_path, GOOD.replace("requires_valid_qualification: inspector",
                                                               "requires_valid_qualification: astronaut"))
    policies.clear()
    with pytest.raises(SourceInvalid) as error:
        evaluation_policy()
    assert [str(i) for i in error.value.issues] == [
        "policies/evaluation.yaml:12: unknown qualification 'astronaut' in 'requires_valid_qualification'"]
