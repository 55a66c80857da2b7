"""What the exam pages show: question text in the reader's language, and the
review after submission. Before submission nothing here carries a correct
answer or an explanation: the answer key never reaches the browser early."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from trainer.exams.grading import correct_option_ids
from trainer.timeutil import iso_utc

ERROR_MESSAGES = {
    "unknown_question": lambda: _("That question is not part of this attempt. Nothing was saved."),
    "unknown_option": lambda: _("That answer is not one of the question's options. Nothing was saved."),
    "one_option_only": lambda: _("Choose only one option for this question. Nothing was saved."),
    "time_up": lambda: _("Time is up: answers can no longer be changed."),
    "closed": lambda: _("This attempt has already been submitted."),
    "bad_request": lambda: _("The request could not be understood. Nothing was saved."),
}


def clock(attempt, now: datetime) -> dict[str, str]:
    """The attempt's deadlines and the server's time, each with its offset: the
    countdown is the difference of the two server times, so neither the
    browser's time zone nor a wrong clock on the computer changes it."""
    return {"deadline": iso_utc(attempt.deadline_at), "submit_until": iso_utc(attempt.submit_until),
            "now": iso_utc(now)}


@dataclass
class OptionView:
    id: str
    text: str
    chosen: bool = False
    correct: bool = False  # filled only in the review


@dataclass
class ItemView:
    position: int
    kind: str
    scenario: str | None
    text: str
    options: list[OptionView]
    selected: list[str]
    correct: bool | None = None
    explanation: str | None = None


def _local(texts: dict | None, locale: str) -> str | None:
    return None if texts is None else texts.get(locale) or texts["es"]


def present_items(items, locale: str) -> list[ItemView]:
    """The questions as asked: shuffled order, no answer key."""
    views = []
    for item in items:
        body = item.question_version.body
        by_id = {o["id"]: o for o in body["options"]}
        selected = item.selected or []
        views.append(ItemView(
            position=item.position, kind=body["kind"], scenario=_local(body["scenario"], locale),
            text=_local(body["text"], locale), selected=selected,
            options=[OptionView(oid, by_id[oid].get(locale) or by_id[oid]["es"], oid in selected) for oid in item.option_order],
        ))
    return views


def review_items(attempt, items, locale: str) -> list[ItemView]:
    """After submission, per the qualification's review policy."""
    if attempt.review_policy == "score_only":
        return []
    views = present_items(items, locale)
    for view, item in zip(views, items):
        right = correct_option_ids(item.question_version.body)
        view.correct = item.correct
        view.explanation = _local(item.question_version.body["explanation"], locale)
        for option in view.options:
            option.correct = option.id in right
    if attempt.review_policy == "wrong_answers":
        views = [v for v in views if not v.correct]
    return views
