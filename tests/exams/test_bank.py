"""Question bank validation: every problem as file:line."""
from pathlib import Path

import pytest

from trainer.certification.definitions import load_qualifications
from trainer.exams.bank import load_bank
from trainer.sourcefiles import SourceInvalid

ROOT = Path(__file__).resolve().parents[2]
MODULES = {"inspection-areas", "inspection-procedure", "early-warning", "accounting-cooperation",
           "supervision-posts", "rewards-sanctions", "compliance-culture"}

GOOD = """module: alpha
questions:
  - id: al-001
    level: inspector
    tags: [t1]
    difficulty: 1
    type: single
    text: {es: "Pregunta", en: "Question"}
    options:
      - {id: a, es: "Uno", en: "One", correct: true}
      - {id: b, es: "Dos", en: "Two"}
      - {id: c, es: "Tres", en: "Three"}
    explanation: {es: "Porque", en: "Because"}
  - id: al-002
    level: supervisor
    tags: [t1]
    difficulty: 2
    type: true_false
    answer: false
    text: {es: "Afirmación", en: "Statement"}
    explanation: {es: "Porque", en: "Because"}
"""

QUALIFICATIONS = """qualifications:
  inspector:
    name: {es: Inspector, en: Inspector}
    description: {es: Inspecciona, en: Inspects}
    exam:
      draw:
        - {module: alpha, count: 1}
      levels: [inspector, supervisor]
      pass_mark: 50
"""


@pytest.fixture
def bank(tmp_path):
    (tmp_path / "tags.yaml").write_text("tags:\n  t1: alpha\n", encoding="utf-8")
    (tmp_path / "qualifications.yaml").write_text(QUALIFICATIONS, encoding="utf-8")
    (tmp_path / "alpha.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def problems(bank, text=None, qualifications=None) -> list[str]:
    if text is not None:
        (bank / "alpha.yaml").write_text(text, encoding="utf-8")
    if qualifications is not None:
        (bank / "qualifications.yaml").write_text(qualifications, encoding="utf-8")
    with pytest.raises(SourceInvalid) as caught:
        load_bank(bank, {"alpha"}, load_qualifications(bank))
    return [str(i) for i in caught.value.issues]


def test_good_file_loads_and_true_false_gets_two_options(bank):
    questions = load_bank(bank, {"alpha"}, load_qualifications(bank))
    assert [q.qid for q in questions] == ["al-001", "al-002"]
    tf = questions[1].body["options"]
    assert [(o["id"], o["correct"]) for o in tf] == [("true", False), ("false", True)]


def test_duplicate_id_names_both_places(bank):
    (bank / "alpha-more.yaml").write_text(GOOD.replace("al-002", "al-003"), encoding="utf-8")
    found = problems(bank)
    # Files are read in name order: alpha-more.yaml comes first.
    assert "question_bank/alpha.yaml:3: duplicate id 'al-001' (first at question_bank/alpha-more.yaml:3)" in [
        p.replace(bank.name, "question_bank") for p in found]


def test_missing_language(bank):
    found = problems(bank, GOOD.replace('text: {es: "Pregunta", en: "Question"}', 'text: {es: "Pregunta"}'))
    assert any(p.endswith("alpha.yaml:8: question 'al-001': 'text' is missing language(s): en") for p in found)


def test_no_correct_option_and_two_correct_in_single(bank):
    none_right = GOOD.replace(', correct: true}', '}')
    assert any("needs exactly one correct option (has 0)" in p for p in problems(bank, none_right))
    two_right = GOOD.replace('{id: b, es: "Dos", en: "Two"}', '{id: b, es: "Dos", en: "Two", correct: true}')
    assert any("needs exactly one correct option (has 2)" in p for p in problems(bank, two_right))


def test_option_count(bank):
    found = problems(bank, GOOD.replace('      - {id: c, es: "Tres", en: "Three"}\n', ""))
    assert any("alpha.yaml:9: question 'al-001': needs 3 to 6 options" in p for p in found)


def test_unknown_module_and_tag(bank):
    assert any(":1: unknown module 'beta'" in p for p in problems(bank, GOOD.replace("module: alpha", "module: beta")))
    assert any(":5: question 'al-001': unknown tag 'nope'" in p for p in problems(bank, GOOD.replace("tags: [t1]", "tags: [nope]", 1)))


def test_bad_level_type_difficulty(bank):
    text = GOOD.replace("level: inspector", "level: chief").replace("difficulty: 1", "difficulty: 7").replace("type: single", "type: essay")
    found = problems(bank, text)
    assert any(":4: question 'al-001': 'level'" in p for p in found)
    assert any(":6: question 'al-001': 'difficulty'" in p for p in found)
    assert any(":7: question 'al-001': 'type'" in p for p in found)


def test_true_false_needs_a_boolean_answer(bank):
    assert any("true_false needs 'answer: true'" in p for p in problems(bank, GOOD.replace("answer: false", "answer: maybe")))


def test_blueprint_asking_for_more_than_the_bank_has(bank):
    found = problems(bank, qualifications=QUALIFICATIONS.replace("count: 1", "count: 5"))
    assert any("qualifications.yaml:7: inspector: draws 5 from 'alpha' but the bank has only 2" in p for p in found)


def test_malformed_yaml_is_reported_not_raised(bank):
    assert any("alpha.yaml:4: invalid YAML" in p for p in problems(bank, "module: alpha\nquestions:\n  - id: [\n"))


def test_the_real_bank_is_valid_and_large_enough():
    questions = load_bank(ROOT / "question_bank", MODULES, load_qualifications(ROOT / "question_bank"))
    per_module = {m: sum(1 for q in questions if q.module == m) for m in MODULES}
    assert len(questions) >= 105 and min(per_module.values()) >= 15, per_module
    assert sum(1 for q in questions if q.level == "supervisor") >= 20
    assert sum(1 for q in questions if q.body["scenario"]) >= 30
