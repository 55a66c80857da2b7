"""The inspection tests' small bank and the real SMTP server."""
from tests.certification.conftest import smtp_server  # noqa: F401
from tests.inspections.conftest import bank  # noqa: F401
