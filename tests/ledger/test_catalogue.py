"""policies/ledger.yaml: every problem reported as file:line, nothing loaded."""
from pathlib import Path
from textwrap import dedent

import pytest

from trainer.config import PROJECT_ROOT
from trainer.ledger.catalogue import load_catalogue
from trainer.sourcefiles import SourceInvalid

GOOD = """\
suspends: [severe]
suspended_qualification: inspector
categories:
  loss_avoided:
    kind: reward
    severity: major
    points: [10, 30]
    es: "Pérdida evitada"
    en: "Loss avoided"
  loss_caused:
    kind: sanction
    severity: severe
    points: [15, 50]
    es: "Pérdida causada"
    en: "Loss caused"
"""


def write(tmp_path: Path, text: str) -> Path:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "ledger.yaml").write_text(dedent(text), encoding="utf-8")
    return policies


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SourceInvalid) as raised:
        load_catalogue(write(tmp_path, text))
    return [str(issue) for issue in raised.value.issues]


def test_the_real_catalogue_loads_and_names_a_known_qualification():
    catalogue = load_catalogue(PROJECT_ROOT / "policies")
    assert catalogue.categories["loss_caused"].severity == "severe"
    assert catalogue.suspends == ("severe",)
    assert catalogue.check_against({"inspector", "supervisor"}) == []


def test_a_good_file(tmp_path):
    catalogue = load_catalogue(write(tmp_path, GOOD))
    avoided, caused = catalogue.categories["loss_avoided"], catalogue.categories["loss_caused"]
    assert (avoided.points_min, avoided.points_max, avoided.title("es")) == (10, 30, "Pérdida evitada")
    assert (avoided.signed(12), caused.signed(20)) == (12, -20)
    assert catalogue.suspends_for(caused) and not catalogue.suspends_for(avoided)


def test_unknown_suspended_qualification_is_reported_by_check_against(tmp_path):
    catalogue = load_catalogue(write(tmp_path, GOOD.replace("suspended_qualification: inspector",
                                                            "suspended_qualification: pilot")))
    assert [str(i) for i in catalogue.check_against({"inspector"})] == [
        "policies/ledger.yaml:2: unknown qualification 'pilot' in 'suspended_qualification'"]


@pytest.mark.parametrize("old, new, expected", [
    ("kind: reward", "kind: bonus", "policies/ledger.yaml:5: category 'loss_avoided': 'kind' must be one of: reward, sanction"),
    ("severity: major", "severity: huge",
     "policies/ledger.yaml:6: category 'loss_avoided': 'severity' must be one of: minor, major, severe"),
    ("points: [10, 30]", "points: [30, 10]",
     "policies/ledger.yaml:7: category 'loss_avoided': 'points' minimum 30 is above the maximum 10"),
    ("points: [10, 30]", "points: [0, 30]",
     "policies/ledger.yaml:7: category 'loss_avoided': 'points' must be [min, max], two whole numbers of at least 1"),
    ("points: [10, 30]", "points: [10]",
     "policies/ledger.yaml:7: category 'loss_avoided': 'points' must be [min, max], two whole numbers of at least 1"),
    ("points: [10, 30]", "points: [1.5, 3]",
     "policies/ledger.yaml:7: category 'loss_avoided': 'points' must be [min, max], two whole numbers of at least 1"),
    ('    es: "Pérdida evitada"\n', "", "policies/ledger.yaml:4: category 'loss_avoided': needs a name in 'es'"),
    ('en: "Loss avoided"', 'en: "  "', "policies/ledger.yaml:9: category 'loss_avoided': needs a name in 'en'"),
    ("    kind: reward\n", "    kind: reward\n    pionts: 3\n",
     "policies/ledger.yaml:6: category 'loss_avoided': unknown key 'pionts'"),
    ("  loss_avoided:", "  Loss-Avoided:",
     "policies/ledger.yaml:4: category code 'Loss-Avoided' must be lowercase letters, digits and '_' (at most 60)"),
    ("suspends: [severe]", "suspends: [fatal]", "policies/ledger.yaml:1: 'suspends' must list some of: minor, major, severe"),
    ("suspended_qualification: inspector\n", "",
     "policies/ledger.yaml:1: 'suspends' needs 'suspended_qualification': the qualification to suspend"),
    ("suspended_qualification: inspector", "suspended_qualification: ''",
     "policies/ledger.yaml:2: 'suspended_qualification' must be a qualification code"),
    ("suspends: [severe]", "suspends: [severe]\nsuspend_days: 3", "policies/ledger.yaml:2: unknown key 'suspend_days'"),
])
def test_each_problem_names_file_and_line(tmp_path, old, new, expected):
    assert old in GOOD
    assert problems(tmp_path, GOOD.replace(old, new, 1)) == [expected]


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("kind: reward", "kind: bonus").replace("severity: severe", "severity: awful")
    assert problems(tmp_path, text) == [
        "policies/ledger.yaml:5: category 'loss_avoided': 'kind' must be one of: reward, sanction",
        "policies/ledger.yaml:12: category 'loss_caused': 'severity' must be one of: minor, major, severe",
    ]


@pytest.mark.parametrize("text, expected", [
    ("suspended_qualification: inspector\n", "policies/ledger.yaml:1: 'categories' must be a non-empty mapping"),
    ("categories: {}\n", "policies/ledger.yaml:1: 'categories' must be a non-empty mapping"),
    ("- just a list\n", "policies/ledger.yaml:1: expected a mapping with 'categories'"),
    ("categories:\n  a: [\n", "policies/ledger.yaml:3: invalid YAML: expected the node content, but found '<stream end>'"),
    ("categories:\n  a: 1\n  a: 2\n", "policies/ledger.yaml:3: invalid YAML: duplicate key 'a'"),
    ("categories:\n  late: 3\n", "policies/ledger.yaml:2: category 'late' must be a mapping"),
])
def test_broken_files(tmp_path, text, expected):
    assert problems(tmp_path, text) == [expected]


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(SourceInvalid, match="ledger.yaml:1: file missing"):
        load_catalogue(tmp_path)
    (tmp_path / "ledger.yaml").write_bytes(b"categories:\n  a: '\xff'\n")
    with pytest.raises(SourceInvalid, match="ledger.yaml:1: not UTF-8 text"):
        load_catalogue(tmp_path)
