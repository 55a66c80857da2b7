"""The real SMTP server of the certification tests, for batch reminders."""
from tests.certification.conftest import smtp_server  # noqa: F401
