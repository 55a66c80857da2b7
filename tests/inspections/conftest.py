"""A small bank for the inspection tests: two departments, qualified people, a loan each."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from trainer.people.models import Department, Role, User
from trainer.inspections.models import Loan

from tests import factories
from tests.factories import certify, loan


@dataclass
class Bank:
    home: Department
    other: Department
    officer: User  # qualified inspector in `home`
    colleague: User  # another qualified inspector in `home`
    supervisor: User  # qualified supervisor in `home`
    outsider: User  # qualified inspector in `other`
    hr: User
    loan: Loan  # a `home` loan in `officer`'s charge
    other_loan: Loan


@pytest.fixture
def bank(ctx) -> Bank:
    home, other = factories.department("CR-MAD"), factories.department("CR-SEV")
    officer, colleague = factories.user(dept=home), factories.user(dept=home)
    supervisor = factories.user(Role.SUPERVISOR, dept=home)
    outsider = factories.user(dept=other)
    for person in (officer, colleague, outsider):
        certify(person)
    certify(supervisor, "inspector", "supervisor")
    return Bank(home, other, officer, colleague, supervisor, outsider, factories.user(Role.HR, dept=home),
                loan(officer, loan_no="P-001"), loan(outsider, loan_no="P-900"))
