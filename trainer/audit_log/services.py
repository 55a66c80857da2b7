"""Recording changes in the audit trail, reading it, and verifying it.

`record()` runs inside the caller's transaction (it flushes, never commits),
so a change and its audit event are saved together or not at all. Appends
move the head row with a compare-and-swap, as the ledger does, so two
writers never fork the chain; each event is signed with the ledger key.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError

from trainer.audit_log.models import AuditEvent, AuditHead
from trainer.people.models import User
from trainer.extensions import db
from trainer import signing
from trainer.timeutil import utcnow

GENESIS, HEAD_ID, MAX_TRIES, BATCH = "0" * 64, 1, 50, 2000
# What each kind of event is called on the audit trail page; a kind not listed shows its code.
KIND_LABELS = {
    "accommodation.granted": _l("Extra exam time granted"),
    "account.activated": _l("Account reactivated"),
    "account.changed": _l("Account changed"),
    "account.created": _l("Account created"),
    "account.deactivated": _l("Account deactivated"),
    "account.invited": _l("Invitation sent"),
    "content.loaded": _l("Training content loaded"),
    "department.changed": _l("Department changed"),
    "department.created": _l("Department created"),
    "escalation.acknowledged": _l("Escalated signal acknowledged"),
    "escalation.followed_up": _l("Escalated signal followed up"),
    "exam.cooldown_reset": _l("Exam waiting time reset"),
    "exam.extra_attempt": _l("Extra exam attempt granted"),
    "import.loans": _l("Loans imported"),
    "import.staff": _l("Staff imported"),
    "meeting.recorded": _l("Credit meeting recorded"),
    "password.reset": _l("Temporary password set"),
    "password.set_by_link": _l("Password set from a link"),
    "roles.changed": _l("Roles changed"),
    "suspension_lift.approved": _l("Lifting of a suspension approved"),
    "suspension_lift.rejected": _l("Lifting of a suspension rejected"),
    "suspension_lift.requested": _l("Lifting of a suspension requested"),
    "token.issued": _l("API token issued"),
    "token.revoked": _l("API token revoked"),
}


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


AUDIT_CONTEXT = b"trainer-audit-event:v1:"
HASHED = ("seq", "at", "actor_id", "kind", "person_id", "subject", "before", "after", "prev_hash")


def _json(value: dict[str, Any] | None) -> str:
    def plain(v):
        if isinstance(v, (datetime, date)):
            return v.isoformat()
        if isinstance(v, (set, frozenset, tuple)):
            return sorted(plain(x) for x in v)
        return getattr(v, "value", v) if not isinstance(v, (str, int, float, bool, type(None), list, dict)) else v
    return json.dumps({k: plain(v) for k, v in (value or {}).items()}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str)


def event_hash(fields: dict[str, Any]) -> str:
    payload = {name: fields[name] for name in HASHED}
    payload["at"] = fields["at"].astimezone(timezone.utc).isoformat(timespec="microseconds")
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def record(kind: str, subject: str, *, actor: User | None = None, person: User | int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event in the current transaction (the caller commits)."""
    if db.session.scalar(select(AuditHead.id).where(AuditHead.id == HEAD_ID)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(AuditHead(id=HEAD_ID, seq=0, hash=GENESIS))
        except IntegrityError:
            pass  # created by a concurrent writer
    person_id = person if isinstance(person, int) or person is None else person.id
    fields = {"at": utcnow(), "actor_id": actor.id if actor is not None else None, "kind": kind,
              "person_id": person_id, "subject": subject[:120], "before": _json(before), "after": _json(after)}
    signer = signing.signer()
    for _ in range(MAX_TRIES):
        seq, prev = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one()
        row = {**fields, "seq": seq + 1, "prev_hash": prev}
        digest = event_hash(row)
        moved = db.session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID, AuditHead.seq == seq)
                                   .values(seq=seq + 1, hash=digest)
                                   .execution_options(synchronize_session=False)).rowcount
        if moved == 1:
            event = AuditEvent(**row, hash=digest, signature=signer.sign(AUDIT_CONTEXT, f"{seq + 1}:{digest}".encode()))
            db.session.add(event)
            db.session.flush()
            return event
        time.sleep(random.uniform(0, 0.002))
    raise RuntimeError("the audit trail head kept moving")


def head() -> tuple[int, str]:
    found = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).first()
    return (found.seq, found.hash) if found else (0, GENESIS)


@dataclass(frozen=True)
class TrailCheck:
    ok: bool
    size: int
    head: str
    problem: str = ""


def verify_trail(expected_size: int = 0, expected_head: str | None = None, resume: bool = False) -> TrailCheck:
    """Walk the trail: sequence, hashes, chain, signatures, the head row, and the
    (size, head) a checkpoint recorded, if given. With `resume`, start after the
    checkpoint's last event once it is found as signed (cost in the new events)."""
    public = signing.signer().public
    prev, expected, last_seen = GENESIS, 1, 0
    columns = [getattr(AuditEvent, name) for name in HASHED] + [AuditEvent.hash, AuditEvent.signature]
    hashes_at: dict[int, str] = {}
    if resume and expected_size and expected_head:
        found = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == expected_size))
        if found == expected_head:
            prev, expected, last_seen = found, expected_size + 1, expected_size
            hashes_at[expected_size] = found
    while True:
        rows = db.session.execute(select(*columns).where(AuditEvent.seq > last_seen).order_by(AuditEvent.seq)
                                  .limit(BATCH)).mappings().all()
        for row in rows:
            seq = row["seq"]
            if seq != expected:
                return TrailCheck(False, expected - 1, prev, f"audit event {expected} is missing (deleted)")
            if event_hash(row) != row["hash"] or row["prev_hash"] != prev:
                return TrailCheck(False, expected - 1, prev, f"audit event {seq} was altered")
            if not signing.verify(public, AUDIT_CONTEXT, f"{seq}:{row['hash']}".encode(), row["signature"]):
                return TrailCheck(False, expected - 1, prev, f"audit event {seq} is not signed with the ledger key")
            if seq == expected_size:
                hashes_at[seq] = row["hash"]
            prev, expected = row["hash"], expected + 1
        if len(rows) < BATCH:
            break
        last_seen = rows[-1]["seq"]
    size = expected - 1
    if expected_size > size:
        return TrailCheck(False, size, prev, f"audit events {size + 1} to {expected_size} are missing: "
                                             f"a checkpoint recorded {expected_size}")
    if expected_head is not None and expected_size and hashes_at.get(expected_size) != expected_head:
        return TrailCheck(False, size, prev, f"the audit trail was rewritten: event {expected_size} differs "
                                             f"from the checkpoint's")
    if head() != (size, prev):
        return TrailCheck(False, size, prev, "the audit trail's head row does not match its last event")
    return TrailCheck(True, size, prev)


# --- reading ----------------------------------------------------------------------

@dataclass(frozen=True)
class TrailFilter:
    person_id: int | None = None
    actor_id: int | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None


def filtered(trail_filter: TrailFilter) -> Select:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if trail_filter.person_id:
        query = query.where(AuditEvent.person_id == trail_filter.person_id)
    if trail_filter.actor_id:
        query = query.where(AuditEvent.actor_id == trail_filter.actor_id)
    if trail_filter.kind:
        query = query.where(AuditEvent.kind == trail_filter.kind)
    if trail_filter.since:
        query = query.where(AuditEvent.at >= datetime.combine(trail_filter.since, datetime.min.time(), timezone.utc))
    if trail_filter.until:
        query = query.where(AuditEvent.at < datetime.combine(date.fromordinal(trail_filter.until.toordinal() + 1),
                                                             datetime.min.time(), timezone.utc))
    return query


def kinds() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.kind).distinct().order_by(AuditEvent.kind)))
