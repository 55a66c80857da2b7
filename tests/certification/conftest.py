"""A real SMTP server on localhost that keeps what it receives."""
from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.nodes import free_port


@dataclass(frozen=True)
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content()

    @property
    def subject(self) -> str:
        """The subject as a mail client shows it: a long one is folded onto the next line, whose
        leading space unfolding keeps (RFC 5322 2.2.3)."""
        return self.message["Subject"].strip()


class Mailbox:
    """aiosmtpd handler: accepts everything except the addresses in `refuse`."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.received if address in mail.recipients]


@pytest.fixture
def smtp_server(app):
    """Start the server and point the app's SMTP settings at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False,
                      SMTP_USER="", MAIL_FROM="Trainer <trainer@bank.example.com>",
                      PUBLIC_BASE_URL="https://trainer.bank.example.com/")
    try:
        yield mailbox
    finally:
        controller.stop()
