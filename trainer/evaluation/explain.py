"""Words for the numbers: quarter names, band names and why a person is or is not
indicated for promotion, shared by the page and the exports."""
from __future__ import annotations

from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from trainer import formatting
from trainer.evaluation import scoring
from trainer.evaluation.quarters import Quarter
from trainer.evaluation.services import Evaluation, PersonRow
from trainer.certification.standing import STATE_LABELS

COMPONENT_LABELS = {
    scoring.ON_TIME: _l("Inspections on time"),
    scoring.QUALITY: _l("Quality"),
    scoring.SIGNALS: _l("Warning signals"),
    scoring.LEDGER: _l("Ledger points"),
}


def locale() -> str:
    return str(get_locale() or "es")


def quarter_label(quarter: Quarter) -> str:
    return str(_l("Q%(number)d %(year)d", number=quarter.number, year=quarter.year))


def band_label(result: scoring.Result) -> str:
    return result.band.label(locale()) if result.band else str(_l("No score"))


class Reasons:
    """Why each person is or is not indicated for promotion, in the reader's language.

    The sentences are translated once per evaluation and filled in per person:
    an export writes them for thousands of people."""

    def __init__(self, evaluation: Evaluation):
        rules = evaluation.policy.promotion
        self.minimum = formatting.number(scoring.one_decimal(rules.min_score), 1)
        qualification = evaluation.qualification
        self.qualification = qualification.title(locale()) if qualification else rules.requires_valid_qualification
        self.day = formatting.day(evaluation.qualification_day)
        self.states = {state: str(label) for state, label in STATE_LABELS.items()}
        self.texts = {
            (scoring.SCORE_CHECK, None): _("No total: none of the components applies."),
            (scoring.SCORE_CHECK, True): _("Total %(total)s reaches the promotion threshold of %(min)s."),
            (scoring.SCORE_CHECK, False): _("Total %(total)s is below the promotion threshold of %(min)s."),
            (scoring.QUALIFICATION_CHECK, True): _("%(qualification)s qualification valid on %(day)s."),
            (scoring.QUALIFICATION_CHECK, False): _("%(qualification)s qualification not valid on %(day)s (%(state)s)."),
            (scoring.SANCTION_CHECK, True): _("No severe sanction in the quarter."),
            (scoring.SANCTION_CHECK, False): _("A severe sanction in the quarter that was not reversed."),
        }

    def text(self, check: scoring.Check, row: PersonRow) -> str:
        if check.code == scoring.SCORE_CHECK and row.result.total is None:
            return self.texts[(check.code, None)]
        return self.texts[(check.code, check.ok)] % {
            "total": formatting.number(row.result.total_shown, 1), "min": self.minimum, "qualification": self.qualification,
            "day": self.day, "state": self.states.get(row.qualification_state, row.qualification_state)}

    def of(self, row: PersonRow) -> list[tuple[bool, str]]:
        return [(check.ok, self.text(check, row)) for check in row.promotion.checks]
