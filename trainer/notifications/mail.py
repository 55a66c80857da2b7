"""Sending one plain-text email through the configured SMTP server."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app

from trainer.timeutil import utcnow

# A stuck server must not hold up a whole reminders run.
SMTP_TIMEOUT_SECONDS = 15


class MailError(Exception):
    """The message was not accepted for delivery (server down, address refused, ...)."""


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one message; raise MailError if it was not accepted."""
    config = current_app.config
    try:
        message = _message(config["MAIL_FROM"], to, subject, body)
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    # OSError: refused or timed-out connections; ValueError: an address or header that cannot be encoded.
    except (smtplib.SMTPException, OSError, ValueError) as error:
        raise MailError(f"{to}: {error}") from error


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    # An explicit domain: without one, make_msgid asks DNS for this host's name.
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    message.set_content(body)
    return message
