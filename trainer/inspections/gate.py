"""The gate in front of every inspection and review path.

Report services call `require_inspector` and review services call
`require_supervisor`, so the form, the API and any import are all covered.
A refusal says why and what to do about it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from trainer.auth.models import User
from trainer.certification import services as certification
from trainer.content import services as content

INSPECTOR, SUPERVISOR = "inspector", "supervisor"
# Stopped by HR or by a sanction: whatever the date asked about, nobody acts until reinstated.
STOPPED = (certification.SUSPENDED, certification.REVOKED)


@dataclass(frozen=True)
class ModuleToRead:
    slug: str
    title: str


class GateRefused(Exception):
    """`code`: inactive | never_qualified | not_yet_valid | expired | suspended | revoked | prerequisite."""

    def __init__(self, code: str, message: str, what_to_do: str, modules: list[ModuleToRead] | None = None):
        self.code, self.message, self.what_to_do = code, str(message), str(what_to_do)
        self.modules = modules or []
        super().__init__(f"{self.message} {self.what_to_do}")


@dataclass(frozen=True)
class _Why:
    code: str
    message: object
    qualification: str = INSPECTOR


def require_inspector(person: User, inspection_date: date) -> None:
    """Refuse unless the person may file an inspection dated `inspection_date`."""
    _require(person, INSPECTOR, inspection_date)


def require_supervisor(person: User, on_date: date | None = None) -> None:
    """Refuse unless the person may review reports on `on_date` (today by default)."""
    _require(person, SUPERVISOR, on_date or certification.today())


def _require(person: User, code: str, day: date) -> None:
    why = _refusal(person, code, day)
    if why is not None:
        raise _refused(person, why)


def _refusal(person: User, code: str, day: date) -> _Why | None:
    title = _title(code)
    if not person.active:
        return _Why("inactive", _l("Your account is deactivated."), code)
    for needed in (code, *certification.definition(code).prerequisites):
        now = certification.standing(person.id, needed)
        if now.state in STOPPED:
            if now.state == certification.SUSPENDED:
                return _Why("suspended", _l("Your %(qualification)s qualification is suspended.", qualification=_title(needed)), needed)
            return _Why("revoked", _l("Your %(qualification)s qualification was revoked.", qualification=_title(needed)), needed)
    if certification.is_qualified(person, code, day):
        return None
    for needed in (code, *certification.definition(code).prerequisites):
        then = certification.standing(person.id, needed, day)
        if then.state in (certification.ACTIVE, certification.EXPIRING):
            continue
        if needed != code:
            return _Why("prerequisite", _l("%(qualification)s requires a valid %(prerequisite)s qualification on %(day)s.",
                                           qualification=title, prerequisite=_title(needed), day=day.isoformat()), needed)
        if then.state == certification.EXPIRED:
            return _Why("expired", _l("Your %(qualification)s qualification expired on %(day)s.", qualification=title,
                                      day=then.certificate.expires_on.isoformat()), needed)
        if then.state in STOPPED:  # ended before `day`, later re-granted only after it
            return _Why(then.state, _l("Your %(qualification)s qualification was not in force on %(day)s.",
                                       qualification=title, day=day.isoformat()), needed)
        later = certification.standing(person.id, needed)
        if later.certificate is not None:
            return _Why("not_yet_valid", _l("Your %(qualification)s qualification was not yet valid on %(day)s.",
                                            qualification=title, day=day.isoformat()), needed)
        return _Why("never_qualified", _l("You are not qualified as %(qualification)s.", qualification=title), needed)
    return _Why("never_qualified", _l("You are not qualified as %(qualification)s.", qualification=title), code)


def _refused(person: User, why: _Why) -> GateRefused:
    if why.code == "inactive":
        return GateRefused(why.code, why.message, _l("Ask HR to reactivate your account."))
    _done, missing = content.has_completed_current(person.id, why.qualification)
    titles = content.titles(str(get_locale()))
    modules = [ModuleToRead(m.slug, titles[m.id].title if m.id in titles else m.slug) for m in missing]
    exam = _title(why.qualification)
    if modules:
        what = _l("Read %(modules)s, then pass the %(exam)s exam at /exams/.",
                  modules=", ".join(m.title for m in modules), exam=exam)
    else:
        what = _l("Pass the %(exam)s exam at /exams/.", exam=exam)
    return GateRefused(why.code, why.message, what, modules)


def _title(code: str) -> str:
    return certification.definition(code).title(str(get_locale()))
