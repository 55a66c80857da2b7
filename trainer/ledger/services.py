"""Rewards and sanctions: who may log them, corrections, the closed loop to
the qualification, and reading the ledger.

Entries are never edited or deleted; a correction is a reversing entry. Each
change is one step of the caller's transaction, committed by the caller (the
request): the entry, the moved chain head and, for a severe sanction, the
suspension it causes, all or nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from trainer import events, policies
from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.certification.models import CertificationEvent
from trainer.extensions import db
from trainer.params import in_id_range
from trainer.inspections.models import InspectionReport
from trainer.ledger.catalogue import SEVERE, Catalogue, Category, EntryKind, load_catalogue
from trainer.ledger.chain import ChainBusy, append  # noqa: F401 - part of this API
from trainer.ledger.verify import VerifyResult, verify_ledger  # noqa: F401 - part of this API
from trainer.ledger.models import LedgerEntry
from trainer.pagination import Page, paginate
from trainer.refusals import Refusal
from trainer import security
from trainer.security import in_scope, is_bank_wide
from trainer.sourcefiles import SourceInvalid
from trainer.timeutil import utcnow

REASON_MAX = 2000
COUNTED_KINDS = (EntryKind.REWARD, EntryKind.SANCTION)  # reversals only cancel


class LedgerError(Refusal):
    """A refused change; nothing was written. `code` says which rule, `message` why."""

    def __init__(self, code: str, message: Any):
        super().__init__(message, code)


def _load(policies_dir) -> Catalogue:
    catalogue = load_catalogue(policies_dir)
    issues = catalogue.check_against(set(certification.definitions()))
    if issues:
        raise SourceInvalid(issues)
    return catalogue


def catalogue() -> Catalogue:
    """The categories from policies/ledger.yaml, read once per app."""
    return policies.cached("ledger", _load)


# --- who may log --------------------------------------------------------------------

def logging_refusal(actor: User, now: datetime | None = None) -> LedgerError | None:
    """Why `actor` may not log entries for anybody (None: they may)."""
    if is_bank_wide(actor):
        return None
    if not actor.has_role(Role.SUPERVISOR):
        return LedgerError("not_allowed", _l("Only supervisors, HR and administrators log rewards and sanctions."))
    if not certification.is_qualified(actor, "supervisor", certification.today(now)):
        return LedgerError("not_qualified", _l(
            "You need a valid supervisor qualification to log rewards and sanctions. "
            "Read the supervisor modules and pass the supervisor exam (see Exams)."))
    return None


def may_act_for(actor: User, person: User) -> bool:
    """The department rule alone (no query): HR and admin for anyone, a
    supervisor for their department. Acting about oneself is refused by the
    service with its reason (see `_authorise`)."""
    return in_scope(actor, person.department_id)


def _authorise(actor: User, person: User, now: datetime | None, self_message: Any) -> None:
    """The rules for every change, whatever the path (form, CLI, demo data).
    Nobody, whatever their role, writes an entry about themselves: a reward
    they gave themselves, or a sanction they cancelled, would feed their own
    evaluation."""
    if is_bank_wide(actor) or actor.has_role(Role.SUPERVISOR):
        if person.id == actor.id:
            raise LedgerError("self", self_message)
        if not may_act_for(actor, person):
            raise LedgerError("other_department", _l(
                "You may log rewards and sanctions only for people of your own department."))
    refusal = logging_refusal(actor, now)
    if refusal is not None:
        raise refusal


def _authorise_reversal(actor: User, entry: LedgerEntry, person: User, now: datetime | None) -> None:
    if entry.kind == EntryKind.REVERSAL:
        raise LedgerError("reversal_of_reversal", _l("A reversal cannot itself be reversed; log a new entry instead."))
    _authorise(actor, person, now, _l("You cannot reverse an entry about yourself."))
    # Four eyes: one person alone can neither impose a severe sanction and
    # then take it back, nor be both ends of it.
    if entry.logged_by_id == actor.id and catalogue().is_severe(entry.kind, entry.severity):
        raise LedgerError("four_eyes", _l(
            "You logged this severe sanction, so someone else must reverse it: "
            "another supervisor of the department, HR or an administrator."))


def reversal_refusal(actor: User, entry: LedgerEntry, now: datetime | None = None) -> LedgerError | None:
    """Why `actor` may not reverse `entry`, whatever reason they give (None: they may)."""
    try:
        _authorise_reversal(actor, entry, db.session.get(User, entry.person_id), now)
    except LedgerError as refusal:
        return refusal
    return None


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("reason_required", _l("Give a written reason."))
    if len(reason) > REASON_MAX:
        raise LedgerError("reason_too_long", _l("Keep the reason under %(max)d characters.", max=REASON_MAX))
    return reason


def _category(code: str) -> Category:
    category = catalogue().categories.get(code or "")
    if category is None:
        raise LedgerError("unknown_category", _l("Choose a category from the catalogue."))
    return category


def _check_points(category: Category, points: Any) -> None:
    if not isinstance(points, int) or isinstance(points, bool) \
            or not category.points_min <= points <= category.points_max:
        raise LedgerError("points_out_of_range", _l(
            "Points for this category must be a whole number from %(min)d to %(max)d.",
            min=category.points_min, max=category.points_max))


def _check_inspection(inspection_id: int, person: User) -> None:
    author_id = db.session.scalar(select(InspectionReport.author_id).where(
        InspectionReport.id == inspection_id)) if in_id_range(inspection_id) else None
    if author_id is None:
        raise LedgerError("unknown_inspection", _l("There is no inspection number %(id)d.", id=inspection_id))
    if author_id != person.id:
        raise LedgerError("inspection_of_other_person", _l(
            "Inspection %(id)d was filed by someone else: link only the person's own inspections.", id=inspection_id))


# --- changes ------------------------------------------------------------------------

def _append(write: Callable[[], LedgerEntry], actor: User, idempotency_key: str | None) -> LedgerEntry:
    """Run `write` in the caller's transaction (the caller commits). A refused or lost append leaves
    the chain as it was (chain.append puts its head back); the head stays this writer's until the
    commit, so appends are serialised whoever commits them."""
    try:
        return write()
    except IntegrityError:
        # The same request, sent twice at once: the other copy won, and its entry is the answer.
        earlier = _already_done(actor, idempotency_key)
        if earlier is not None:
            return earlier
        raise LedgerError("conflict", _l("The ledger changed while saving. Nothing was recorded; try again.")) from None
    except ChainBusy:
        raise LedgerError("busy", _l("The ledger is busy. Nothing was recorded; try again in a moment.")) from None


def _moment(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(timezone.utc)


def _already_done(actor: User, idempotency_key: str | None) -> LedgerEntry | None:
    """The entry an earlier copy of this request created, if any. A key is the
    actor's own: someone else's key is refused rather than answered."""
    if not idempotency_key:
        return None
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == idempotency_key))
    if entry is not None and entry.logged_by_id != actor.id:
        raise LedgerError("idempotency_key", _l("This form was already used by someone else. Reload the page."))
    return entry


def log_entry(actor: User, person: User, category: str, points: int, reason: str,
              inspection_id: int | None = None, now: datetime | None = None,
              idempotency_key: str | None = None) -> LedgerEntry:
    """Log a reward or a sanction. `points` is the positive magnitude entered;
    sanctions are stored negative. A sanction of a suspending severity
    suspends the person's qualification in the same transaction.
    A retry with the same `idempotency_key` returns the entry already made."""
    earlier = _already_done(actor, idempotency_key)
    if earlier is not None:
        return earlier
    _authorise(actor, person, now, _l("You cannot log a reward or sanction for yourself."))
    if not person.active:
        raise LedgerError("inactive_person", _l("%(name)s is no longer active.", name=person.full_name))
    chosen = _category(category)
    _check_points(chosen, points)
    reason = _reason(reason)
    if inspection_id is not None:
        _check_inspection(inspection_id, person)
    moment = _moment(now)
    fields = {
        "person_id": person.id, "department_id": person.department_id, "category": chosen.code, "kind": chosen.kind,
        "severity": chosen.severity, "points": chosen.signed(points), "reason": reason, "logged_by_id": actor.id,
        "inspection_id": inspection_id, "reverses_id": None, "created_at": moment, "idempotency_key": idempotency_key,
    }

    def write() -> LedgerEntry:
        entry = append(fields)
        events.send(events.ledger_entry_logged, entry=entry, person=person, actor=actor)  # the person is told
        if catalogue().suspends_for(chosen):
            _suspend(person, chosen, entry, moment)
        return entry

    return _append(write, actor, idempotency_key)


def _suspend(person: User, category: Category, entry: LedgerEntry, now: datetime) -> None:
    code = catalogue().suspended_qualification
    if code is None:
        return
    try:
        certification.suspend(person, code, None, f"Severe sanction: {category.name['en']} — {entry.reason}",
                              source=f"ledger:{entry.seq}", now=now)
    except certification.LifecycleError:
        pass  # holds no valid certificate: nothing to suspend, and the sanction stands


def _reversal_of(entry_id: int) -> int | None:
    return db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry_id))


def _already_reversed() -> LedgerError:
    return LedgerError("already_reversed", _l("This entry has already been reversed."))


def reverse_entry(actor: User, entry: LedgerEntry, reason: str, now: datetime | None = None,
                  idempotency_key: str | None = None) -> LedgerEntry:
    """Correct an entry by appending its opposite, with a reason. Once only;
    a reversal is final. A suspension it caused stays: reinstatement comes
    from retraining and the exam. A retry with the same key returns the reversal made."""
    earlier = _already_done(actor, idempotency_key)
    if earlier is not None:
        return earlier
    _authorise_reversal(actor, entry, db.session.get(User, entry.person_id), now)
    reason = _reason(reason)
    if _reversal_of(entry.id) is not None:
        raise _already_reversed()
    fields = {
        "person_id": entry.person_id, "department_id": entry.department_id, "category": entry.category,
        "kind": EntryKind.REVERSAL.value, "severity": entry.severity, "points": -entry.points, "reason": reason,
        "logged_by_id": actor.id, "inspection_id": None, "reverses_id": entry.id, "created_at": _moment(now),
        "idempotency_key": idempotency_key,
    }

    def not_reversed_meanwhile() -> None:
        if _reversal_of(entry.id) is not None:
            raise _already_reversed()

    return _append(lambda: append(fields, when_locked=not_reversed_meanwhile), actor, idempotency_key)


# --- reading ------------------------------------------------------------------------

def scoped(query: Select, viewer: User) -> Select:
    """Entries `viewer` may read: HR and admin all, a supervisor their department's, staff their own."""
    return security.scoped(query, viewer, LedgerEntry.department_id, LedgerEntry.person_id)


def can_view_entry(viewer: User, entry: LedgerEntry) -> bool:
    return in_scope(viewer, entry.department_id, entry.person_id)


def _newest_first(person_id: int | None = None, department_id: int | None = None) -> Select:
    query = select(LedgerEntry).order_by(LedgerEntry.seq.desc())
    if person_id is not None:
        query = query.where(LedgerEntry.person_id == person_id)
    if department_id is not None:
        query = query.where(LedgerEntry.department_id == department_id)
    return query


def entries_page(viewer: User, person_id: int | None = None, department_id: int | None = None,
                 page: int = 1) -> Page:
    return paginate(scoped(_newest_first(person_id, department_id), viewer), page)


@dataclass(frozen=True)
class Link:
    id: int
    seq: int


@dataclass(frozen=True)
class EntryRow:
    entry: LedgerEntry
    person_name: str
    logged_by_name: str | None  # None: the system
    reverses: Link | None
    reversed_by: Link | None


def annotate(entries: list[LedgerEntry]) -> list[EntryRow]:
    """Names and reversal links for a page of entries, in two queries whatever its length."""
    if not entries:
        return []
    ids = [e.id for e in entries]
    originals = [e.reverses_id for e in entries if e.reverses_id]
    user_ids = {e.person_id for e in entries} | {e.logged_by_id for e in entries if e.logged_by_id}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    related = db.session.execute(select(LedgerEntry.id, LedgerEntry.seq, LedgerEntry.reverses_id).where(
        or_(LedgerEntry.reverses_id.in_(ids), LedgerEntry.id.in_(originals or [0])))).all()
    seq_of = {row.id: row.seq for row in related}
    reversal_of = {row.reverses_id: Link(row.id, row.seq) for row in related if row.reverses_id in ids}
    return [EntryRow(
        entry=e, person_name=names.get(e.person_id, "?"),
        logged_by_name=names.get(e.logged_by_id) if e.logged_by_id else None,
        reverses=Link(e.reverses_id, seq_of[e.reverses_id]) if e.reverses_id in seq_of else None,
        reversed_by=reversal_of.get(e.id),
    ) for e in entries]


def suspension_caused_by(entry: LedgerEntry) -> CertificationEvent | None:
    return db.session.scalar(select(CertificationEvent).where(CertificationEvent.source == f"ledger:{entry.seq}"))


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The bank's local days start..end (inclusive) as a half-open UTC range."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (datetime.combine(start, time.min, zone).astimezone(timezone.utc),
            datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc))


def counted_entries(start: date, end: date) -> list:
    """The conditions on `LedgerEntry` of the rewards and sanctions that count for the local days
    start..end: logged in the period, and no reversal cancelled them (a reversal made later cancels
    too: the entry was a mistake). The evaluation's figures and its cache's fingerprint read these."""
    low, high = _utc_bounds(start, end)
    reversal = aliased(LedgerEntry)
    # An entry someone wrote about themselves never counts (the service refuses
    # them now; this keeps any written before out of the evaluation too).
    return [LedgerEntry.kind.in_(COUNTED_KINDS), LedgerEntry.created_at >= low, LedgerEntry.created_at < high,
            _not_about_oneself(LedgerEntry),
            ~select(reversal.id).where(reversal.reverses_id == LedgerEntry.id, _not_about_oneself(reversal)).exists()]


def _not_about_oneself(entry) -> Any:
    return entry.logged_by_id.is_distinct_from(entry.person_id)  # NULL (the system) is distinct


def points_by_person(start: date, end: date, department_id: int | None = None) -> dict[int, int]:
    """Net points per person over the local days start..end; people without entries are absent."""
    query = select(LedgerEntry.person_id, func.sum(LedgerEntry.points)).where(
        *counted_entries(start, end)).group_by(LedgerEntry.person_id)
    if department_id is not None:
        query = query.where(LedgerEntry.department_id == department_id)
    return {person_id: int(total) for person_id, total in db.session.execute(query)}


def _severe_sanction():
    return and_(LedgerEntry.kind == EntryKind.SANCTION, LedgerEntry.severity == SEVERE)


def severe_sanctions_by_person(start: date, end: date) -> set[int]:
    """People with a severe sanction in the period that was not reversed."""
    return set(db.session.scalars(select(LedgerEntry.person_id).distinct().where(
        *counted_entries(start, end), _severe_sanction())))


def standing_by_person(start: date, end: date) -> tuple[dict[int, int], set[int]]:
    """`points_by_person` and `severe_sanctions_by_person` of the same period, in one query."""
    severe = func.max(case((_severe_sanction(), 1), else_=0))
    points, sanctioned = {}, set()
    for person_id, total, has_severe in db.session.execute(
            select(LedgerEntry.person_id, func.sum(LedgerEntry.points), severe)
            .where(*counted_entries(start, end)).group_by(LedgerEntry.person_id)):
        points[person_id] = int(total)
        if has_severe:
            sanctioned.add(person_id)
    return points, sanctioned
