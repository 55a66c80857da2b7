"""Blueprints by area, drawability of every question, answer-length cues and
how much two attempts share."""
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from trainer.certification import services as certification
from trainer.certification.definitions import load_qualifications
from trainer.exams import services as exams
from trainer.exams.bank import LENGTH_CUE_MARGIN, MIN_CUE_SAMPLE, candidates_of, length_cues, load_bank
from trainer.exams.drawing import draw
from trainer.exams.models import Question
from trainer.extensions import db
from trainer.sourcefiles import SourceInvalid

from tests import factories
from tests.exams.test_bank import GOOD, MODULES, QUALIFICATIONS, bank, problems  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("fund-use", "macro-environment", "production-operation", "financial-condition", "management",
         "major-matters", "guarantor", "collateral")


def real_bank():
    qualifications = load_qualifications(ROOT / "question_bank")
    return qualifications, load_bank(ROOT / "question_bank", MODULES, qualifications)


# --- min_per_tag --------------------------------------------------------------

TWO_TAGS = "tags:\n  t1: alpha\n  t2: alpha\n"


def test_min_per_tag_the_bank_cannot_meet_is_an_error_at_the_rule(bank):
    (bank / "tags.yaml").write_text(TWO_TAGS, encoding="utf-8")
    rule = "- {module: alpha, count: 1, min_per_tag: {t2: 1}}"
    found = problems(bank, qualifications=QUALIFICATIONS.replace("- {module: alpha, count: 1}", rule))
    assert any("qualifications.yaml:7: inspector: draws 1 from 'alpha': needs at least 1 tagged 't2' "
               "but the bank has only 0 such questions" in p for p in found), found


def test_min_per_tag_must_name_a_tag_of_the_module(bank):
    (bank / "tags.yaml").write_text(TWO_TAGS, encoding="utf-8")
    rule = "- {module: alpha, count: 1, min_per_tag: {nope: 1}}"
    found = problems(bank, qualifications=QUALIFICATIONS.replace("- {module: alpha, count: 1}", rule))
    assert any("qualifications.yaml:7:" in p and "'nope', which is not a tag of that module" in p for p in found)


def test_min_per_tag_may_not_ask_for_more_than_the_count(bank):
    rule = "- {module: alpha, count: 1, min_per_tag: {t1: 2}}"
    (bank / "qualifications.yaml").write_text(QUALIFICATIONS.replace("- {module: alpha, count: 1}", rule))
    with pytest.raises(SourceInvalid) as caught:
        load_qualifications(bank)
    assert "qualifications.yaml:7: 'min_per_tag' asks for 2 questions but the rule draws only 1" in str(caught.value)


def test_draw_meets_every_minimum_even_for_a_rare_tag():
    qualifications, questions = real_bank()
    base = qualifications["inspector"].exam
    rule = next(r for r in base.draw if r.module == "inspection-areas")
    rare = [q for q in questions if q.module == "inspection-areas" and "collateral" in q.tags and q.level == "inspector"]
    assert len(rare) >= 3
    for seed in range(50):
        drawn = draw(base, candidates_of(questions), random.Random(seed))
        assert len(drawn) == base.question_count == len({q.qid for q in drawn})
        assert sum(1 for q in drawn if q.module == rule.module) == rule.count


# --- undrawable questions -----------------------------------------------------

def test_a_question_no_exam_can_draw_is_reported_where_it_stands(bank):
    found = problems(bank, qualifications=QUALIFICATIONS.replace("      levels: [inspector, supervisor]\n", ""))
    assert any(p.endswith("alpha.yaml:14: question 'al-002' can never be drawn: no exam in qualifications.yaml "
                          "draws supervisor-level questions from 'alpha' with its tags") for p in found), found


def test_every_question_of_the_real_bank_is_drawable():
    qualifications, questions = real_bank()  # load_bank raises on an undrawable question
    levels = {q.qid: q.level for q in questions}
    assert {qid for qid in ("ac-012", "ac-013", "ac-017", "ia-010", "ia-017", "ia-026", "ia-028")} <= set(levels)


# --- answer-length cues -------------------------------------------------------

def cue_bank(key_position: callable) -> str:
    """MIN_CUE_SAMPLE single-choice questions; `key_position(i)` = length rank of the key (0 = longest)."""
    lines = ["module: alpha", "questions:"]
    for i in range(MIN_CUE_SAMPLE):
        key = key_position(i)
        lines += [f"  - id: al-{i:03d}", "    level: inspector", "    tags: [t1]", "    difficulty: 1",
                  "    type: single", '    text: {es: "Pregunta", en: "Question"}', "    options:"]
        for rank in range(4):
            text = "x" * (40 - 5 * rank)
            right = ", correct: true" if rank == key else ""
            lines.append(f'      - {{id: o{rank}, es: "{text}", en: "{text}"{right}}}')
        lines.append('    explanation: {es: "Porque", en: "Because"}')
    return "\n".join(lines) + "\n"


def test_a_systematic_length_cue_fails_with_the_numbers(bank):
    found = problems(bank, cue_bank(lambda i: 1 if i % 3 else i % 4))  # mostly second-longest
    cue = [p for p in found if "answer-length cue" in p]
    assert len(cue) == 2, cue  # one per language; 22 of the 30 keys are second-longest
    assert "in 'en': the correct option is the second-longest one in 73% of single-choice questions" in cue[0]
    assert "against 25% by chance" in cue[0] and f"chance + {LENGTH_CUE_MARGIN} points" in cue[0]


def test_keys_spread_over_the_length_ranks_pass(bank):
    (bank / "alpha.yaml").write_text(cue_bank(lambda i: i % 4), encoding="utf-8")
    questions = load_bank(bank, {"alpha"}, load_qualifications(bank))
    for cues in length_cues(questions):
        assert cues.questions == MIN_CUE_SAMPLE and not cues.too_strong
        assert abs(cues.share["longest"] - 25) < 5 and cues.chance["longest"] == 25


def test_the_real_bank_has_no_length_cue():
    _, questions = real_bank()
    for cues in length_cues(questions):
        assert cues.questions >= MIN_CUE_SAMPLE and not cues.too_strong, str(cues)


# --- coverage and overlap of real draws --------------------------------------

def test_every_inspector_exam_covers_the_eight_areas(ctx):
    factories.load_content()
    exam = certification.definition("inspector").exam
    tags_of = dict(db.session.execute(select(Question.id, Question.tags)).all())
    for seed in range(200):
        drawn = exams._draw(exam, random.Random(seed))
        tags = {tag for version in drawn for tag in tags_of[version.question_id]}
        assert set(AREAS) <= tags, (seed, set(AREAS) - tags)
        assert len(drawn) == exam.question_count


def test_an_exam_that_could_miss_an_area_is_an_error_at_its_qualification(bank):
    from trainer.exams.bank import area_coverage_issues

    (bank / "tags.yaml").write_text("tags:\n  t1: alpha\n  fund-use: alpha\n  collateral: alpha\n", encoding="utf-8")
    rule = "- {module: alpha, count: 1, min_per_tag: {fund-use: 1}}"
    (bank / "qualifications.yaml").write_text(QUALIFICATIONS.replace("- {module: alpha, count: 1}", rule))
    found = [str(i) for i in area_coverage_issues(bank, load_qualifications(bank), ("fund_use", "collateral"))]
    assert len(found) == 1 and found[0].endswith(
        "qualifications.yaml:2: inspector: the exam does not cover every inspection area: no rule "
        "guarantees a question tagged 'collateral' (add them to a rule's min_per_tag)"), found


@pytest.mark.parametrize("code", ["inspector", "supervisor"])
def test_every_exam_of_the_real_bank_guarantees_the_eight_areas(code):
    from trainer.exams.bank import guaranteed_tags

    qualifications, questions = real_bank()
    assert set(AREAS) <= guaranteed_tags(qualifications[code].exam)
    candidates = candidates_of(questions)
    for seed in range(100):
        tags = {tag for q in draw(qualifications[code].exam, candidates, random.Random(seed)) for tag in q.tags}
        assert set(AREAS) <= tags, (seed, set(AREAS) - tags)


def test_check_content_reports_cues_drawability_and_areas(app):
    result = app.test_cli_runner().invoke(args=["trainer", "check-content"])
    assert result.exit_code == 0, result.output
    assert "Undrawable questions: none" in result.output
    assert "the inspector exam covers 8 of 8 inspection areas" in result.output
    assert "the supervisor exam covers 8 of 8 inspection areas" in result.output


@pytest.mark.parametrize("code", ["inspector", "supervisor"])
def test_two_attempts_share_few_questions(code):
    """Expected share of questions two independent attempts have in common (seeded estimate)."""
    qualifications, questions = real_bank()
    exam = qualifications[code].exam
    rng = random.Random(14)
    candidates = candidates_of(questions)
    shared = [len({q.qid for q in draw(exam, candidates, rng)} & {q.qid for q in draw(exam, candidates, rng)})
              for _ in range(400)]
    overlap = sum(shared) / len(shared) / exam.question_count
    assert overlap < 0.40, f"{code}: {overlap:.0%}"


@pytest.mark.parametrize("code", ["inspector", "supervisor"])
def test_each_rule_draws_from_a_pool_two_and_a_half_times_its_size(code):
    qualifications, questions = real_bank()
    exam = qualifications[code].exam
    for rule in exam.draw:
        pool = [q for q in questions if q.module == rule.module and q.level in exam.levels]
        assert len(pool) >= 2.5 * rule.count, (rule.module, len(pool), rule.count)
        for tag, need in rule.min_per_tag:
            tagged = sum(1 for q in pool if tag in q.tags)
            assert tagged >= 2.5 * need, (tag, tagged, need)
