"""The real SMTP server of the certification tests, for the outbox."""
from tests.certification.conftest import smtp_server  # noqa: F401
