"""What the exam pages show: question text in the reader's language, and the
review after submission. Before submission nothing here carries a correct
answer or an explanation: the answer key never reaches the browser early."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import ngettext

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


def attempt_rules(exam) -> list[str]:
    """How many attempts, in what window, and the wait after a failure, from the exam's own
    definition, in the reader's language with its plural forms and number format."""
    # ngettext is called with literal strings (not through a helper) so that extraction finds them.
    n = exam.attempts_per_window
    attempts = ngettext("%(count)s attempt", "%(count)s attempts", n, count=format_number(n))
    n = exam.attempt_window_days
    window = ngettext("%(count)s day", "%(count)s days", n, count=format_number(n))
    lines = [_("You may make %(attempts)s in any period of %(window)s.", attempts=attempts, window=window)]
    minutes = exam.cooldown_minutes
    if minutes == 0:
        lines.append(_("After a failed attempt you may try again at once."))
    else:
        hours = minutes // 60
        wait = (ngettext("%(count)s hour", "%(count)s hours", hours, count=format_number(hours))
                if minutes % 60 == 0 else
                ngettext("%(count)s minute", "%(count)s minutes", minutes, count=format_number(minutes)))
        lines.append(_("After a failed attempt, wait %(wait)s before the next one.", wait=wait))
    if getattr(exam, "fresh_retry", False):
        lines.append(_("A retry does not repeat the questions whose answers your last result showed, "
                       "while the question bank has enough others."))
    return lines


def extra_attempts_note(n: int) -> str:
    return ngettext("Including %(count)s extra attempt granted by HR.",
                    "Including %(count)s extra attempts granted by HR.", n, count=format_number(n))


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


def answer_shown(review_policy: str, correct: bool | None) -> bool:
    """Whether the result page shows a question's answer: the review policy's one rule
    (also what a retry avoids repeating, exams.services.shown_in_last_attempt)."""
    if review_policy == "score_only":
        return False
    return review_policy == "all_answers" or not correct


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
    return [v for v in views if answer_shown(attempt.review_policy, v.correct)]
