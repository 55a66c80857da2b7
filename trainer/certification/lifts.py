"""Lifting a suspension when an investigation clears the person: four eyes.

An HR or admin person requests the lift with a reason; a second, different HR
or admin person approves or rejects it; nobody acts on their own record. Only
an approval changes the qualification: each certificate the suspension ended
is followed by a new one from today (or its own start, if later) to its
original expiry, so the days of the suspension keep their record and from
today the person stands wherever the standing rule (standing.py) puts that
certificate: valid, expiring soon, or not yet started. A suspension whose
certificates would have expired by now cannot be lifted: the person renews
by the exam, as anyone whose qualification expired.

Two approvals at the same moment: the decision is a conditional UPDATE of the
pending row, so exactly one wins and the other is told it was decided.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from trainer import events
from trainer.audit_log import services as audit_trail
from trainer.people.models import User
from trainer.certification import services as certification
from trainer.certification.models import (Certificate, CertificateStatus, CertificationEvent, EventKind, LiftStatus,
                                          SuspensionLift)
from trainer.extensions import db
from trainer.refusals import CONFLICT
from trainer.security import is_bank_wide
from trainer.timeutil import utcnow

LifecycleError = certification.LifecycleError


class AlreadyDecided(LifecycleError):
    """Someone else decided the request first."""

    default_code, status = "already_decided", CONFLICT


def _check_actor(actor: User, person_id: int) -> None:
    if not is_bank_wide(actor):
        raise LifecycleError(_l("only HR or an administrator may lift a suspension"))
    if actor.id == person_id:
        raise LifecycleError(_l("nobody changes their own qualification: another HR person or an administrator must"))


def _suspension(person_id: int, code: str) -> tuple[CertificationEvent, list[Certificate]]:
    """The suspension in force (its event) and the certificates it ended that are not yet past their expiry."""
    if certification.standing(person_id, code).state != certification.SUSPENDED:
        raise LifecycleError(_l("the person's qualification is not suspended"))
    event = db.session.scalar(select(CertificationEvent).where(
        CertificationEvent.user_id == person_id, CertificationEvent.qualification == code,
        CertificationEvent.kind == EventKind.SUSPENDED).order_by(CertificationEvent.at.desc(), CertificationEvent.id.desc())
        .limit(1))
    if event is None:
        raise LifecycleError(_l("the person's qualification is not suspended"))
    ended = db.session.scalars(select(Certificate).where(
        Certificate.user_id == person_id, Certificate.qualification == code,
        Certificate.status == CertificateStatus.SUSPENDED, Certificate.ended_at == event.at)
        .order_by(Certificate.valid_from, Certificate.id)).all()
    today = certification.today()
    still_valid = [cert for cert in ended if cert.expires_on >= today]
    if not still_valid:
        raise LifecycleError(_l("the suspended certificate would have expired by now: the person renews by the exam"))
    return event, still_valid


def request_lift(person: User, code: str, requester: User, reason: str, now: datetime | None = None) -> SuspensionLift:
    """Ask for a suspension to be lifted (the caller commits). Nothing changes until another person approves."""
    _check_actor(requester, person.id)
    certification.definition(code)
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError(_l("a reason is required"))
    event, _certificates = _suspension(person.id, code)
    lift = SuspensionLift(user_id=person.id, qualification=code, suspension_event_id=event.id, reason=reason,
                          requested_by_id=requester.id, requested_at=now or utcnow(), status=LiftStatus.PENDING)
    try:
        with db.session.begin_nested():
            db.session.add(lift)
    except IntegrityError:
        raise LifecycleError(_l("a request to lift this suspension is already waiting for approval")) from None
    audit_trail.record("suspension_lift.requested", f"lift:{lift.id}", actor=requester, person=person,
                       after={"qualification": code, "reason": reason, "suspension_event_id": event.id})
    events.send(events.suspension_lift_requested, lift=lift, person=person, requester=requester)
    return lift


def decide_lift(lift_id: int, approver: User, approve: bool, note: str = "",
                now: datetime | None = None) -> SuspensionLift:
    """Approve (reinstating the certificates) or reject a pending request. Exactly one decision wins;
    the caller commits (on a refusal it rolls back)."""
    now = now or utcnow()
    lift = db.session.get(SuspensionLift, lift_id)
    if lift is None:
        raise LifecycleError(_l("no such request"))
    _check_actor(approver, lift.user_id)
    if approver.id == lift.requested_by_id:
        raise LifecycleError(_l("the request must be approved or rejected by someone other than who made it"))
    note = (note or "").strip()
    if not approve and not note:
        raise LifecycleError(_l("a reason is required"))
    status = LiftStatus.APPROVED if approve else LiftStatus.REJECTED
    won = db.session.execute(
        update(SuspensionLift).where(SuspensionLift.id == lift.id, SuspensionLift.status == LiftStatus.PENDING)
        .values(status=status, decided_by_id=approver.id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:  # nothing was written: the refusal leaves the caller's transaction as it was
        raise AlreadyDecided(_l("this request has already been decided"))
    db.session.refresh(lift)
    person = db.session.get(User, lift.user_id)
    after = {"status": status.value, "qualification": lift.qualification, "note": note}
    if approve:
        event, certificates = _suspension(lift.user_id, lift.qualification)
        if event.id != lift.suspension_event_id:
            raise LifecycleError(_l("the person was suspended again after the request: ask again"))
        today = certification.today(now)
        issued = []
        for old in certificates:
            cert = Certificate(user_id=old.user_id, qualification=old.qualification, status=CertificateStatus.ACTIVE,
                               valid_from=max(old.valid_from, today), expires_on=old.expires_on, granted_at=now,
                               previous_id=old.id, verify_code=secrets.token_urlsafe(18), badge_salt=secrets.token_hex(8))
            db.session.add(cert)
            issued.append(cert)
        db.session.flush()
        db.session.add(CertificationEvent(user_id=lift.user_id, qualification=lift.qualification,
                                          certificate_id=issued[0].id, kind=EventKind.LIFTED, at=now,
                                          actor_id=approver.id, reason=lift.reason, source=f"lift:{lift.id}"))
        after["certificates"] = [c.id for c in issued]
        after["standing"] = certification.standing(lift.user_id, lift.qualification, today).state
    audit_trail.record(f"suspension_lift.{status.value}", f"lift:{lift.id}", actor=approver, person=person,
                       before={"status": LiftStatus.PENDING.value}, after=after)
    events.send(events.suspension_lift_decided, lift=lift, person=person, decider=approver)
    return lift


@dataclass(frozen=True)
class LiftLine:
    lift: SuspensionLift
    requested_by: str
    decided_by: str | None


def lifts_of(person_id: int) -> list[LiftLine]:
    """Every request about the person, newest first, with the names of who asked and who decided (two queries)."""
    lifts = list(db.session.scalars(select(SuspensionLift).where(SuspensionLift.user_id == person_id)
                                    .order_by(SuspensionLift.requested_at.desc(), SuspensionLift.id.desc())))
    ids = {l.requested_by_id for l in lifts} | {l.decided_by_id for l in lifts if l.decided_by_id}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return [LiftLine(l, names.get(l.requested_by_id, "?"), names.get(l.decided_by_id) if l.decided_by_id else None)
            for l in lifts]


def suspended_qualifications(person_id: int) -> list[str]:
    """The codes the person is suspended in today (what a lift may be asked for)."""
    return [s.qualification.code for s in certification.standings(person_id) if s.state == certification.SUSPENDED]
