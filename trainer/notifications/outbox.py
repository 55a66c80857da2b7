"""The transactional outbox: every email the app sends goes through here.

Writing (any feature)::

    from trainer.notifications.outbox import enqueue

    enqueue("report_returned", author, {"loan_no": loan.loan_no, ...}, link=f"/inspections/{report.id}")
    # no commit: the request (or command) commits the change and its message together

`enqueue` never commits and never talks to the SMTP server: it adds an
`OutboxMessage` row (and, for a person, a dashboard `Notification`) to the
caller's transaction, so a change that rolls back sends nothing and a change
that commits cannot lose its message.

The message is rendered at enqueue time, in the recipient's language (their
saved `locale`, else the app's default; for a bare address, the default or
`language=`), from ``templates/email/<kind>.<language>.txt``. The template's
first line is ``Subject: …``, then a blank line, then the body. Templates get
the context, plus ``link_url`` (the absolute address of `link`, from
TRAINER_PUBLIC_BASE_URL) and ``name`` (the person's full name, unless given).
A context value may be a callable taking the language (e.g. a qualification's
title); it is called with the recipient's. What is stored is exactly what is
sent, so the record shows what a person was told.

`dedupe_key` makes a message go out once per event: a second enqueue with the
same key adds nothing and returns None (e.g. one chase per escalation and
interval).

Delivering: `trainer deliver-notifications` (once) or `--loop` (a service,
see deploy/systemd/trainer-deliver-notifications.service) calls
`deliver_pending`, the worker's loop and its own unit of work: the claim is
committed before any mail goes out, then each message's outcome on its own.
It claims due messages with one conditional UPDATE
(PostgreSQL: ``FOR UPDATE SKIP LOCKED`` in its subquery, so workers on
several nodes never take the same row; SQLite: the single writer serialises
it), sends each through `notifications.mail.send_mail`, and marks it sent. A
failure is retried with exponential backoff (OUTBOX_RETRY_SECONDS × 2^(tries-1),
at most an hour) until OUTBOX_MAX_ATTEMPTS tries, then the message is marked
failed with the last error. A worker that dies mid-batch leaves a lease
(`claimed_until`) that runs out, and the message is sent by the next run:
delivery is at least once, and exactly once unless a worker dies between the
SMTP server's acceptance and the commit that follows it.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import Row, bindparam, func, or_, select, update

from trainer import transactions
from trainer.people.models import User
from trainer.extensions import db
from trainer.notifications.mail import MailError, send_mail
from trainer.notifications.models import Notification, OutboxMessage, OutboxStatus
from trainer.timeutil import utcnow

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600
BATCH_SIZE = 10
# Longer than a batch can take (BATCH_SIZE × the SMTP timeout), so a live worker never loses its claim.
LEASE_SECONDS = 600


class TemplateFormatError(ValueError):
    """An email template without its `Subject:` first line."""


def language_for(locale: str | None) -> str:
    """The person's saved language if the app speaks it, else the app's default."""
    config = current_app.config
    return locale if locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def absolute_url(link: str) -> str:
    """`link` (a path inside the app) as the address people use, from TRAINER_PUBLIC_BASE_URL."""
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/" + link.lstrip("/")


def render(kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of templates/email/<kind>.<language>.txt with `context`."""
    values = {key: (value(language) if callable(value) else value) for key, value in context.items()}
    with force_locale(language):
        text = render_template(f"email/{kind}.{language}.txt", **values)
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.startswith("Subject:"):
        raise TemplateFormatError(f"templates/email/{kind}.{language}.txt must start with 'Subject: '")
    return first.removeprefix("Subject:").strip(), rest.lstrip("\n")


def enqueue(kind: str, to: User | str, context: Mapping[str, Any] | None = None, *, link: str = "",
            language: str | None = None, dedupe_key: str | None = None, dashboard: bool = True,
            now: datetime | None = None) -> OutboxMessage | None:
    """Add one email for `to` (a person, or a bare address) to the current transaction; never commits.

    For a person, the same subject and link are also listed on their dashboard (unless `dashboard=False`).
    A bare address that belongs to an active account is treated as that person.
    Returns the message, or None when `dedupe_key` was already used.
    """
    now = now or utcnow()
    if dedupe_key is not None and db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    person = to if isinstance(to, User) else db.session.scalar(
        select(User).where(func.lower(User.email) == to.strip().lower(), User.active.is_(True)))
    address = person.email if person is not None else str(to).strip()
    if person is not None:
        language = language_for(person.locale)
    elif language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    values: dict[str, Any] = {"name": person.full_name if person is not None else "", "link_url": absolute_url(link)}
    values.update(context or {})
    subject, body = render(kind, language, values)
    message = OutboxMessage(kind=kind, recipient_id=person.id if person is not None else None, address=address,
                            language=language, subject=subject[:300], body=body, dedupe_key=dedupe_key,
                            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
                            last_error="")
    db.session.add(message)
    if person is not None and dashboard:
        db.session.add(Notification(user_id=person.id, kind=kind, subject=subject[:300], link=link[:500],
                                    created_at=now))
    db.session.flush()
    return message


def enqueue_many(kind: str, recipients: list[User | str], context: Mapping[str, Any] | None = None,
                 **options) -> list[OutboxMessage]:
    """`enqueue` for each recipient, once per address (a person listed twice, or also by address, gets one)."""
    seen: set[str] = set()
    messages = []
    for to in recipients:
        key = (to.email if isinstance(to, User) else str(to)).strip().lower()
        if not key or key in seen:
            continue
        seen.add(key)
        message = enqueue(kind, to, context, **options)
        if message is not None:
            messages.append(message)
    return messages


# --- delivering ---------------------------------------------------------------------

@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0  # given up for good in this run
    errors: list[str] = field(default_factory=list)


def _due(now: datetime):
    return (OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))


def claim(now: datetime, limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker (one conditional UPDATE); the caller commits
    the claim before sending any of them (`deliver_pending`)."""
    token = secrets.token_hex(16)
    candidates = (select(OutboxMessage.id).where(*_due(now)).order_by(OutboxMessage.id).limit(limit)
                  .with_for_update(skip_locked=True))
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(candidates.scalar_subquery()), *_due(now))
        .values(claim_token=token, claimed_until=now + timedelta(seconds=LEASE_SECONDS))
        .execution_options(synchronize_session=False))
    # populate_existing: rows this session already holds are read again (their claim, their tries).
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.claim_token == token)
                                   .order_by(OutboxMessage.id).execution_options(populate_existing=True)))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    base = current_app.config.get("OUTBOX_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deliver_pending(now: Callable[[], datetime] | None = None, limit: int | None = None) -> DeliveryReport:
    """Send every message due now, batch by batch, until none is left (or `limit` were tried)."""
    clock = now or utcnow
    max_attempts = current_app.config.get("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    report = DeliveryReport()
    tried = 0
    while limit is None or tried < limit:
        with transactions.unit_of_work():  # claimed for good before any is sent: no other worker takes them
            batch = claim(clock(), BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - tried))
        if not batch:
            break
        for message in batch:
            tried += 1
            with transactions.unit_of_work():  # each message's outcome is kept as soon as it is known
                _deliver_one(message, clock, max_attempts, report)
    return report


def _deliver_one(message: OutboxMessage, clock: Callable[[], datetime], max_attempts: int,
                 report: DeliveryReport) -> None:
    mine = (OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
    try:
        send_mail(message.address, message.subject, message.body)
    except MailError as error:
        attempts = message.attempts + 1
        gave_up = attempts >= max_attempts
        db.session.execute(update(OutboxMessage).where(*mine).values(
            attempts=attempts, last_error=str(error)[:2000], claim_token=None, claimed_until=None,
            status=OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING,
            next_attempt_at=clock() + backoff(attempts)).execution_options(synchronize_session=False))
        report.errors.append(str(error))
        if gave_up:
            report.failed += 1
            current_app.logger.error("Outbox message %s given up after %s tries: %s", message.id, attempts, error)
        else:
            report.retried += 1
            current_app.logger.warning("Outbox message %s not sent (try %s): %s", message.id, attempts, error)
        return
    db.session.execute(update(OutboxMessage).where(*mine).values(
        status=OutboxStatus.SENT, sent_at=clock(), attempts=message.attempts + 1, claim_token=None,
        claimed_until=None).execution_options(synchronize_session=False))
    report.sent += 1


# --- the dashboard's panel ------------------------------------------------------------

PANEL_SIZE = 8


def unread_for(user_id: int, limit: int = PANEL_SIZE) -> tuple[list[Row], int]:
    """The newest unread notifications (id, kind, subject, link, created_at) and how many are unread
    (one query, two when there are more than fit in the panel)."""
    params = {"user_id": user_id, "limit": limit}
    newest, how_many = _unread_statements()
    rows = db.session.execute(newest, params).all()
    count = db.session.execute(how_many, params).scalar_one() if len(rows) == limit else len(rows)
    return rows, count


@cache  # built once, on first use, as every dashboard asks them (building costs more than running)
def _unread_statements():
    mine_unread = (Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    newest = (select(Notification.id, Notification.kind, Notification.subject, Notification.link,
                     Notification.created_at)
              .where(*mine_unread).order_by(Notification.created_at.desc(), Notification.id.desc())
              .limit(bindparam("limit")))
    return newest, select(func.count()).select_from(Notification).where(*mine_unread)


def mark_read(user_id: int, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of this person as read."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    count = db.session.execute(query.values(read_at=now or utcnow()).execution_options(
        synchronize_session=False)).rowcount
    return count
