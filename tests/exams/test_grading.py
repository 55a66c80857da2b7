"""Grading is a pure function: tested without a database."""
from trainer.exams.grading import grade


def body(kind, correct):
    return {"kind": kind, "options": [{"id": o, "correct": o in correct} for o in ("a", "b", "c", "d")]}


def test_single_choice_scores_only_the_right_option():
    result = grade([(1, body("single", {"b"}), ["b"]), (2, body("single", {"a"}), ["c"]), (3, body("single", {"a"}), None)], 50)
    assert [i.correct for i in result.items] == [True, False, False]
    assert (result.correct_count, result.question_count, result.score, result.passed) == (1, 3, 33, False)


def test_multiple_choice_is_all_or_nothing():
    question = body("multiple", {"a", "c"})
    assert grade([(1, question, ["c", "a"])], 100).passed
    assert not grade([(1, question, ["a"])], 1).passed
    assert not grade([(1, question, ["a", "b", "c"])], 1).passed
    assert not grade([(1, question, ["a", "b", "c", "d"])], 1).passed


def test_score_rounds_down_so_the_pass_mark_is_never_rounded_up():
    items = [(n, body("single", {"a"}), ["a"] if n <= 59 else ["b"]) for n in range(1, 80)]
    result = grade(items, 75)  # 59/79 = 74.68 %
    assert result.score == 74 and not result.passed
    assert grade(items[:4] + [(5, body("single", {"a"}), ["b"])], 80).passed  # exactly 80 %


def test_fifty_questions_grade_in_one_pass():
    items = [(n, body("single", {"a"}), ["a"]) for n in range(1, 51)]
    result = grade(items, 75)
    assert result.score == 100 and result.correct_count == 50


def test_empty_attempt_never_passes():
    assert not grade([], 0).passed
