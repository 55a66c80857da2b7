"""The inspection checklist and the rubric are read from policies/ and validated with file:line messages."""
from pathlib import Path

import pytest

from trainer.config import PROJECT_ROOT
from trainer.inspections.policy import Criterion, Rubric, load_inspection_policy, load_rubric
from trainer.sourcefiles import SourceInvalid

POLICIES = PROJECT_ROOT / "policies"


def test_the_real_checklist_has_eight_areas_ratings_and_signals():
    policy = load_inspection_policy(POLICIES)
    assert policy.area_codes == ("fund_use", "macro_environment", "production_operation", "financial_condition",
                                 "management", "major_matters", "guarantor", "collateral")
    assert set(policy.ratings) == {"normal", "watch", "concern", "serious"}
    assert policy.signals["fund_diversion"].severity == "high" and policy.signals["fund_diversion"].area == "fund_use"
    assert policy.area("collateral").label("es") == "Hipoteca (prenda)"
    assert policy.area("collateral").label("en") == "Collateral (mortgage / pledge)"


def test_the_real_rubric_weights_the_four_criteria():
    rubric = load_rubric(POLICIES)
    assert [c.code for c in rubric.criteria] == ["coverage", "timeliness", "signal_accuracy", "analysis_quality"]
    assert sum(c.weight for c in rubric.criteria) == 100


def test_quality_score_is_the_weighted_share_of_the_maximum():
    rubric = Rubric((Criterion("a", {"es": "A", "en": "A"}, weight=3, max=4),
                     Criterion("b", {"es": "B", "en": "B"}, weight=1, max=2)))
    assert rubric.quality_score({"a": 4, "b": 2}) == 100
    assert rubric.quality_score({"a": 0, "b": 0}) == 0
    assert rubric.quality_score({"a": 2, "b": 2}) == round(100 * (3 * 0.5 + 1 * 1) / 4)  # 63
    assert load_rubric(POLICIES).quality_score(
        {"coverage": 4, "timeliness": 2, "signal_accuracy": 3, "analysis_quality": 1}) == round(30 + 10 + 18.75 + 6.25)


def write(tmp_path: Path, name: str, text: str) -> Path:
    directory = tmp_path / "policies"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def problems(load, directory: Path) -> list[str]:
    with pytest.raises(SourceInvalid) as caught:
        load(directory)
    return [str(issue) for issue in caught.value.issues]


def test_checklist_problems_are_reported_with_file_and_line(tmp_path):
    found = problems(load_inspection_policy, write(tmp_path, "inspection.yaml", """\
areas:
  fund_use: {es: "Uso", en: "Use"}
  Bad-Code: {es: "x", en: "y"}
ratings:
  normal: {es: "Normal"}
signals:
  diverted:
    severity: extreme
    area: fund_use
    es: "Desvío"
    en: "Diverted"
  lost:
    severity: low
    area: nowhere
    es: "Perdido"
    en: "Lost"
"""))
    assert found == [
        "policies/inspection.yaml:3: area code 'Bad-Code' may hold only lowercase letters, digits and '_'",
        "policies/inspection.yaml:5: rating 'normal' needs a name in 'en'",
        "policies/inspection.yaml:8: signal 'diverted': 'severity' must be one of: low, medium, high",
        "policies/inspection.yaml:14: signal 'lost': unknown area 'nowhere'",
    ]


def test_rubric_problems_are_reported_with_file_and_line(tmp_path):
    found = problems(load_rubric, write(tmp_path, "rubric.yaml", """\
criteria:
  coverage:
    weight: 0
    max: 4
    es: "Cobertura"
    en: "Coverage"
  timeliness:
    weight: 20
    max: four
    es: "Puntualidad"
"""))
    assert found == [
        "policies/rubric.yaml:3: criterion 'coverage' needs 'levels' saying what each score from 0 to 4 means",
        "policies/rubric.yaml:3: criterion 'coverage': 'weight' must be a whole number of at least 1",
        "policies/rubric.yaml:8: criterion 'timeliness' needs a name in 'en'",  # the entry's first line
        "policies/rubric.yaml:9: criterion 'timeliness': 'max' must be a whole number of at least 1",
    ]


def test_missing_file_invalid_yaml_and_missing_sections(tmp_path):
    assert problems(load_rubric, write(tmp_path, "other.yaml", "")) == ["policies/rubric.yaml:1: file missing"]
    assert problems(load_rubric, write(tmp_path, "rubric.yaml", "criteria:\n  a: [1\n"))[0].startswith(
        "policies/rubric.yaml:3: invalid YAML")
    assert problems(load_inspection_policy, write(tmp_path, "inspection.yaml", "areas: {}\n")) == [
        "policies/inspection.yaml:1: expected a non-empty 'areas' mapping",
        "policies/inspection.yaml:1: expected a non-empty 'ratings' mapping",
        "policies/inspection.yaml:1: expected a non-empty 'signals' mapping",
    ]


MINIMAL_CHECKLIST = """\
areas:
  fund_use: {es: "Uso", en: "Use"}
ratings:
  normal: {es: "Normal", en: "Normal"}
signals:
  diverted: {severity: high, area: fund_use, es: "Desvío", en: "Diverted"}
"""


def test_the_filing_window_is_read_and_defaults_to_45_days(tmp_path):
    assert load_inspection_policy(POLICIES).max_days_back == 45
    assert load_inspection_policy(write(tmp_path, "inspection.yaml", MINIMAL_CHECKLIST)).max_days_back == 45
    assert load_inspection_policy(write(tmp_path, "inspection.yaml", "max_days_back: 0\n" + MINIMAL_CHECKLIST)).max_days_back == 0


@pytest.mark.parametrize("value", ["-1", "367", "many", "4.5", "true", "[]"])
def test_a_bad_filing_window_is_reported_with_file_and_line(tmp_path, value):
    found = problems(load_inspection_policy, write(tmp_path, "inspection.yaml", MINIMAL_CHECKLIST + f"max_days_back: {value}\n"))
    assert found == ["policies/inspection.yaml:7: 'max_days_back' must be a whole number of days from 0 to 366"]


def test_check_content_reports_a_bad_filing_window(app, tmp_path):
    import shutil

    directory = tmp_path / "policies"
    shutil.copytree(POLICIES, directory)
    text = (directory / "inspection.yaml").read_text(encoding="utf-8").replace("max_days_back: 45", "max_days_back: -3")
    (directory / "inspection.yaml").write_text(text, encoding="utf-8")
    app.config["POLICIES_DIR"] = directory
    result = app.test_cli_runner().invoke(args=["trainer", "check-content"])
    assert result.exit_code != 0
    line = text.splitlines().index("max_days_back: -3") + 1
    assert f"policies/inspection.yaml:{line}: 'max_days_back' must be a whole number of days from 0 to 366" in result.output


def test_the_real_rubric_says_what_every_score_means_in_both_languages():
    for criterion in load_rubric(POLICIES).criteria:
        assert len(criterion.levels) == criterion.max + 1
        assert all(criterion.level(score, locale) for score in range(criterion.max + 1) for locale in ("es", "en"))
    assert load_rubric(POLICIES).criteria[0].level(4, "en") == "All eight areas examined in depth, with facts and sources."


def test_rubric_level_problems_are_reported_with_file_and_line(tmp_path):
    found = problems(load_rubric, write(tmp_path, "rubric.yaml", """\
criteria:
  coverage:
    weight: 1
    max: 2
    es: "Cobertura"
    en: "Coverage"
    levels:
      0: {es: "Nada", en: "Nothing"}
      1: {es: "Algo"}
      5: {es: "Demasiado", en: "Too much"}
      2: "all"
"""))
    assert found == [
        "policies/rubric.yaml:9: criterion 'coverage': level 1 needs a description in 'en'",
        "policies/rubric.yaml:10: criterion 'coverage': level '5' is not a score from 0 to 2",
        "policies/rubric.yaml:11: criterion 'coverage': level 2 must map each language to a description",
    ]
