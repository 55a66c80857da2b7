"""The gate in front of every inspection and review path.

Report services call `require_inspector` and review services call
`require_supervisor`, so the form, the API and any import are all covered;
the eligibility API answers with `refusal`, the same rule. Who was qualified
when is read from trainer/certification/standing.py (its docstring states the
whole rule). A refusal says why and what to do about it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from trainer import formatting
from trainer.people.models import User
from trainer.certification import services as certification
from trainer.certification import standing as standing_rules
from trainer.content import services as content
from trainer.inspections.policy import inspection_policy
from trainer.refusals import FORBIDDEN, Refusal

INSPECTOR, SUPERVISOR = "inspector", "supervisor"
STOPPED = (certification.SUSPENDED, certification.REVOKED)
DATE_FIELD = "inspection_date"


@dataclass(frozen=True)
class ModuleToRead:
    slug: str
    title: str


class GateRefused(Refusal):
    """`code`: inactive | future_date | too_old | never_qualified | not_yet_valid | expired | suspended | revoked |
    prerequisite."""

    status = FORBIDDEN

    def __init__(self, code: str, message: str, what_to_do: str, modules: list[ModuleToRead] | None = None,
                 field: str | None = None):
        self.what_to_do = str(what_to_do)
        self.modules = modules or []
        self.field = field  # the form field the refusal is about (the date), or None: the person
        super().__init__(str(message), code, fields={field: message} if field else None)

    def __str__(self) -> str:
        return f"{self.message} {self.what_to_do}"

    def as_json(self) -> dict:
        return {"error": "not_qualified", "reason": self.code, "message": self.message,
                "what_to_do": self.what_to_do, "modules": [m.slug for m in self.modules]}


@dataclass(frozen=True)
class _Why:
    code: str
    message: object
    qualification: str = INSPECTOR
    field: str | None = None


def require_inspector(person: User, inspection_date: date, now: datetime | None = None) -> None:
    """Refuse unless the person may file, at `now` (default: this moment), an inspection dated `inspection_date`."""
    _require(person, INSPECTOR, inspection_date, certification.today(now))


def require_supervisor(person: User, on_date: date | None = None) -> None:
    """Refuse unless the person may review reports on `on_date` (today by default)."""
    today = certification.today()
    _require(person, SUPERVISOR, on_date or today, today)


def _require(person: User, code: str, day: date, today: date) -> None:
    why = refusal(person, code, day, today)
    if why is not None:
        raise _refused(person, why)


def refusal(person: User, code: str, day: date, today: date | None = None) -> _Why | None:
    """Why the person may not record, on `today`, an act under `code` dated `day`; None if they may.

    The rule (see trainer/certification/standing.py): an active account; `day`
    neither in the future nor more than the policy's `max_days_back` before
    today; and qualified both on `day` and today. The eligibility API answers
    with this too, so it says what the gate would do.
    """
    today = today or certification.today()
    if not person.active:
        return _Why("inactive", _l("Your account is deactivated."), code)
    if day > today:
        return _Why("future_date", _l("The inspection date cannot be in the future."), code, DATE_FIELD)
    days_back = inspection_policy().max_days_back
    if day < today - timedelta(days=days_back):
        return _Why("too_old", _l("The inspection date cannot be more than %(days)d days before the day it is filed "
                                  "(%(today)s).", days=days_back, today=formatting.day(today)), code, DATE_FIELD)
    # Today first: a suspension or an expiry stops every filing, whatever the date typed.
    return _not_qualified(person, code, today, today) or (
        _not_qualified(person, code, day, today) if day != today else None)


def _not_qualified(person: User, code: str, day: date, today: date) -> _Why | None:
    if certification.is_qualified(person, code, day):
        return None
    title = _title(code)
    needed_codes = standing_rules.closure(code, certification.definitions())
    states = {needed: certification.standing(person.id, needed, day) for needed in needed_codes}
    if day == today:  # stopped by HR or a sanction: named as such, with the exam to retake
        for needed, now in states.items():
            if now.state == certification.SUSPENDED:
                return _Why("suspended", _l("Your %(qualification)s qualification is suspended.", qualification=_title(needed)), needed)
            if now.state == certification.REVOKED:
                return _Why("revoked", _l("Your %(qualification)s qualification was revoked.", qualification=_title(needed)), needed)
    for needed, then in states.items():
        if then.state in standing_rules.QUALIFYING:
            continue
        if needed != code:
            return _Why("prerequisite", _l("%(qualification)s requires a valid %(prerequisite)s qualification on %(day)s.",
                                           qualification=title, prerequisite=_title(needed), day=formatting.day(day)), needed)
        if then.state == certification.EXPIRED:
            return _Why("expired", _l("Your %(qualification)s qualification expired on %(day)s.", qualification=title,
                                      day=formatting.day(then.certificate.expires_on)), needed)
        if then.state in STOPPED:  # ended before `day`, re-granted only after it
            return _Why(then.state, _l("Your %(qualification)s qualification was not in force on %(day)s.",
                                       qualification=title, day=formatting.day(day)), needed)
        if day != today:
            return _Why("not_yet_valid", _l("Your %(qualification)s qualification was not yet valid on %(day)s.",
                                            qualification=title, day=formatting.day(day)), needed)
        return _Why("never_qualified", _l("You are not qualified as %(qualification)s.", qualification=title), needed)
    return _Why("never_qualified", _l("You are not qualified as %(qualification)s.", qualification=title), code)


def _refused(person: User, why: _Why) -> GateRefused:
    if why.code == "inactive":
        return GateRefused(why.code, why.message, _l("Ask HR to reactivate your account."))
    if why.field is not None:
        return GateRefused(why.code, why.message, _l("Enter the date on which the inspection was carried out."),
                           field=why.field)
    _done, missing = content.has_completed_current(person.id, why.qualification)
    titles = content.titles(str(get_locale()))
    modules = [ModuleToRead(m.slug, titles[m.id].title if m.id in titles else m.slug) for m in missing]
    exam = _title(why.qualification)
    # The modules travel as a list (pages link them, the API lists them): the sentence does not repeat them.
    if modules:
        what = _l("Read the modules listed, then pass the %(exam)s exam.", exam=exam)
    else:
        what = _l("Pass the %(exam)s exam.", exam=exam)
    return GateRefused(why.code, why.message, what, modules)


def _title(code: str) -> str:
    return certification.definition(code).title(str(get_locale()))
