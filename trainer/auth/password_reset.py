"""Self-service "forgot password": a one-time link by email.

The answer is the same whether or not the address belongs to anyone (no
account enumeration), and no mail goes to an unknown or deactivated account.
Requests are throttled with the login throttle's counters (auth.models.
LoginThrottle): per address asked about and per client address, whether or
not the address exists, so the limit tells nothing either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from trainer.auth import account_mail, account_tokens
from trainer.auth.account_tokens import Purpose
from trainer.people.models import User
from trainer.auth.models import LoginThrottle
from trainer.dbutil import get_or_create
from trainer.extensions import db
from trainer.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class ResetRequest:
    throttled_for_seconds: int = 0

    @property
    def accepted(self) -> bool:
        return not self.throttled_for_seconds


def request_reset(email: str, client_ip: str, now: datetime | None = None) -> ResetRequest:
    """Count the request and, for an active account that may hold a local password, queue the link's email
    (in the same transaction as the token, through the outbox: the answer takes as long either way).
    The count is the caller's to commit, throttled or not: the page answers either as a page."""
    now = now or utcnow()
    email = email.strip().lower()[:254]
    wait = _count(email, client_ip, now)
    if wait:
        return ResetRequest(throttled_for_seconds=wait)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if user is None or not user.active or not account_tokens.local_password_possible(user):
        return ResetRequest()
    account_mail.queue(user, account_tokens.issue(user, Purpose.PASSWORD_RESET, now=now))
    return ResetRequest()


def _count(email: str, client_ip: str, now: datetime) -> int:
    """Count this request; seconds to wait if it is over a limit (nothing is sent then)."""
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
    limits = {f"reset:addr:{email}": config["RESET_MAX_REQUESTS"], f"reset:ip:{client_ip}": config["RESET_IP_MAX_REQUESTS"]}
    rows = [get_or_create(LoginThrottle, {"failures": 0, "window_started_at": now}, key=key)[0] for key in limits]
    locked = [as_utc(r.locked_until) for r in rows if r.locked_until and as_utc(r.locked_until) > now]
    if locked:
        return int((max(locked) - now).total_seconds()) + 1
    wait = 0
    for row in rows:
        if as_utc(row.window_started_at) + window < now:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures > limits[row.key]:
            row.locked_until = as_utc(row.window_started_at) + window
            wait = max(wait, int((row.locked_until - now).total_seconds()) + 1)
    return wait
