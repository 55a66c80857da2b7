"""Builders for test data, one place for every feature's tests: `from tests import factories`,
then `factories.user(...)`, `factories.loan(...)`. One module a feature; a builder either goes
through that feature's real services (reading, exams, ending a certificate) or inserts the rows
with exactly the dates a test needs, and commits, so requests see what it made as well as services.
Helpers that only one feature's tests need stay beside them (e.g. tests/inspections/helpers.py)."""
from tests.factories.certification import certificate, certify, end_certificate
from tests.factories.clock import local, today
from tests.factories.content import load_content, read_modules
from tests.factories.exams import answers, qualify, sit
from tests.factories.inspections import loan, report, report_content, review, signals
from tests.factories.ledger import entry, reverse
from tests.factories.people import PASSWORD, department, sign_in, user

__all__ = ["PASSWORD", "answers", "certificate", "certify", "department", "end_certificate", "entry", "load_content",
           "loan", "local", "qualify", "read_modules", "report", "report_content", "review", "reverse", "sign_in",
           "signals", "sit", "today", "user"]
