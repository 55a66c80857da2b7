"""Grading: a pure function of what was asked and what was answered.

A question scores only when the selected options are exactly the correct
ones. For multiple choice that means all-or-nothing: choosing one right and
one wrong option is as wrong as choosing none, so guessing "select
everything" never pays.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradedItem:
    position: int
    correct: bool


@dataclass(frozen=True)
class Grade:
    items: tuple[GradedItem, ...]
    correct_count: int
    question_count: int
    score: int  # percent, rounded down: 74.9 never becomes a pass at 75
    passed: bool


def correct_option_ids(body: dict) -> frozenset[str]:
    return frozenset(option["id"] for option in body["options"] if option["correct"])


def grade(items: list[tuple[int, dict, list[str] | None]], pass_mark: int) -> Grade:
    """`items` are (position, question body, selected option ids or None)."""
    graded = tuple(
        GradedItem(position, selected is not None and frozenset(selected) == correct_option_ids(body))
        for position, body, selected in items
    )
    correct = sum(1 for item in graded if item.correct)
    total = len(graded)
    score = (100 * correct) // total if total else 0
    return Grade(graded, correct, total, score, total > 0 and score >= pass_mark)
