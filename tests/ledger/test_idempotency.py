"""A request retried after a lost response, or sent twice at once, records one entry."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.concurrency import run_concurrently
from trainer.people.models import User
from trainer.extensions import db
from trainer.ledger import services as ledger
from trainer.ledger.models import LedgerEntry
from trainer.ledger.services import LedgerError
from trainer.transactions import unit_of_work

KEY = "0123456789abcdef0123456789abcdef"


def count() -> int:
    db.session.commit()  # what this test wrote through the services, as a request would; then read afresh
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def test_the_same_key_returns_the_entry_already_made(org):
    first = ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it", idempotency_key=KEY)
    again = ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it", idempotency_key=KEY)
    assert again.id == first.id and count() == 1
    other = ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it", idempotency_key=KEY[::-1])
    assert other.id != first.id and count() == 2


def test_someone_elses_key_is_refused(org):
    ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it", idempotency_key=KEY)
    with pytest.raises(LedgerError, match="already used by someone else"):
        ledger.log_entry(org.admin, org.officer, "outstanding_inspection", 3, "Found it", idempotency_key=KEY)
    assert count() == 1


def test_a_retried_reversal_returns_the_reversal(org):
    entry = ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it")
    reversal = ledger.reverse_entry(org.hr, entry, "Counted twice", idempotency_key=KEY)
    assert ledger.reverse_entry(org.hr, entry, "Counted twice", idempotency_key=KEY).id == reversal.id
    assert count() == 2


def test_six_copies_sent_at_once_record_one(app, org):
    hr_id, officer_id = org.hr.id, org.officer.id
    db.session.commit()

    def send():
        with unit_of_work():  # each copy is a request of its own
            entry = ledger.log_entry(db.session.get(User, hr_id), db.session.get(User, officer_id),
                                     "outstanding_inspection", 3, "Found it", idempotency_key=KEY)
        return entry.id

    results, errors = run_concurrently(app, 6, send)
    assert errors == [] and len(set(results)) == 1
    assert count() == 1 and ledger.verify_ledger().ok


def test_the_form_resent_records_once(org, client, login):
    login(org.hr)
    form = client.get(f"/ledger/new?person={org.officer.id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', form).group(1)
    data = {"person_id": org.officer.id, "category": "outstanding_inspection", "points": 3,
            "reason": "Found it", "idempotency_key": key}
    first, second = client.post("/ledger/new", data=data), client.post("/ledger/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count() == 1
