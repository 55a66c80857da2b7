"""The emails that carry one-time set-password links, in the person's language.

They go through the notification outbox (trainer.notifications.outbox): written
in the same transaction as the token, so a link exists only if its email does,
and sent by the delivery worker (`trainer deliver-notifications`). They never
appear on the dashboard. The outbox keeps what was sent, link included; the
link is useless once used, superseded or expired.
"""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime, get_timezone
from flask import current_app

from trainer.auth.account_tokens import IssuedToken, Purpose
from trainer.people.models import User
from trainer.issuer import mail_context
from trainer.notifications.outbox import OutboxMessage, enqueue

# Where the links lead; the routes in account_views.py use the same paths.
LINK_PATHS = {Purpose.INVITATION: "/account/invitation/", Purpose.PASSWORD_RESET: "/account/reset/"}
KINDS = {Purpose.INVITATION: "invitation", Purpose.PASSWORD_RESET: "password_reset"}


def queue(user: User, issued: IssuedToken) -> OutboxMessage:
    """Add the link's email to the current transaction (the caller commits)."""
    expires_at = issued.row.expires_at
    context = {**mail_context(), "email": user.email, "employee_no": user.employee_no,
               "expires_at": lambda language: moment(expires_at, language)}
    return enqueue(KINDS[issued.row.purpose], user, context, link=LINK_PATHS[issued.row.purpose] + issued.token,
                   dashboard=False)


def moment(value: datetime, language: str) -> str:
    """'4 December 2026, 15:00 (Central European Standard Time)', in the bank's time zone."""
    tz = get_timezone(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    pattern = "d MMMM y, HH:mm (zzzz)" if language == "en" else "d 'de' MMMM 'de' y, HH:mm (zzzz)"
    return format_datetime(value, pattern, tzinfo=tz, locale=language)
