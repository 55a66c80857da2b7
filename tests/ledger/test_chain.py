"""The hash chain: linkage, tampering found by verify, and concurrent writers that never fork it."""
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from trainer.people.models import User
from trainer.extensions import db
from trainer import append_only
from trainer.ledger import services as ledger
from trainer.ledger.chain import GENESIS, append, entry_hash
from trainer.ledger.verify import verify_ledger
from trainer.ledger.models import LedgerEntry, LedgerHead
from trainer.transactions import unit_of_work


def chain_of(org, n: int) -> list[LedgerEntry]:
    entries = [ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 2 + i % 9, f"Report {i}") for i in range(n)]
    db.session.commit()
    return entries


def raw(sql: str, **params) -> None:
    """Tamper as someone with the database owner's access would: around the
    application and its append-only triggers (PostgreSQL: replica mode skips
    them; SQLite: drop them and put them back)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        for table in append_only.TABLES:
            for op in ("update", "delete"):
                db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))
    db.session.execute(text(sql), params)
    if dialect == "sqlite":
        for table in append_only.TABLES:
            for statement in append_only.statements(dialect, table):
                db.session.execute(text(statement))
    db.session.commit()


def test_each_entry_carries_the_previous_hash(org):
    first, second, third = chain_of(org, 3)
    assert first.prev_hash == GENESIS
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    head = db.session.execute(select(LedgerHead.seq, LedgerHead.hash)).one()
    assert tuple(head) == (3, third.hash)
    stored = db.session.execute(select(LedgerEntry.__table__).where(LedgerEntry.seq == 2)).mappings().one()
    assert entry_hash(stored) == second.hash


def test_an_empty_and_a_good_ledger_verify(org):
    empty = verify_ledger()
    assert (empty.ok, empty.checked, empty.first_bad_seq, empty.problem) == (True, 0, None, "")
    entries = chain_of(org, 7)
    ledger.reverse_entry(org.hr, entries[2], "Counted twice")
    result = verify_ledger(batch=3)  # several batches
    assert (result.ok, result.checked, result.first_bad_seq) == (True, 8, None)


def test_a_row_altered_in_the_database_is_named(org):
    chain_of(org, 5)
    raw("UPDATE ledger_entries SET points = points + 40 WHERE seq = 3")
    result = verify_ledger(batch=2)
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "entry 3 was altered" in result.problem


def test_an_altered_row_with_its_hash_recomputed_is_still_found(org):
    chain_of(org, 5)
    row = dict(db.session.execute(select(LedgerEntry.__table__).where(LedgerEntry.seq == 2)).mappings().one())
    row["reason"] = "Nothing happened"
    raw("UPDATE ledger_entries SET reason = :reason, hash = :hash WHERE seq = 2", reason=row["reason"],
        hash=entry_hash(row))
    result = verify_ledger()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    # Its own hash holds, but nobody without the ledger key can sign the new one.
    assert "entry 2 is not signed with the ledger key: it was altered and its hash recomputed" in result.problem


def test_a_deleted_row_is_a_gap(org):
    chain_of(org, 5)
    raw("DELETE FROM ledger_entries WHERE seq = 4")
    result = verify_ledger()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 4, 3)
    assert "entry 4 is missing" in result.problem


def test_deleting_the_last_rows_is_caught_by_the_head(org):
    chain_of(org, 5)
    raw("DELETE FROM ledger_entries WHERE seq >= 4")
    result = verify_ledger()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "entries 4 to 5 are missing" in result.problem


def test_a_replaced_last_row_is_caught_by_the_head(org):
    chain_of(org, 3)
    row = dict(db.session.execute(select(LedgerEntry.__table__).where(LedgerEntry.seq == 3)).mappings().one())
    row["points"] = 10
    raw("UPDATE ledger_entries SET points = 10, hash = :hash WHERE seq = 3", hash=entry_hash(row))
    result = verify_ledger()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "entry 3 is not signed with the ledger key" in result.problem


FIELDS = ("person_id", "department_id", "category", "kind", "severity", "points", "reason", "logged_by_id",
          "inspection_id", "reverses_id", "created_at", "idempotency_key")


def test_an_append_refused_once_it_holds_the_head_puts_the_head_back(org):
    """A check run under the head's lock that refuses, or an entry the database refuses, leaves the chain
    as it was: a caller that goes on and commits commits no head without its entry."""
    first = ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it", idempotency_key="k" * 32)
    db.session.commit()
    fields = {name: getattr(first, name) for name in FIELDS}

    def reversed_meanwhile() -> None:
        raise ledger.LedgerError("already_reversed", "Reversed meanwhile")

    with pytest.raises(ledger.LedgerError):
        append({**fields, "idempotency_key": None}, when_locked=reversed_meanwhile)
    with pytest.raises(IntegrityError):
        append(fields)  # the same idempotency key again
    db.session.commit()
    result = verify_ledger()
    assert (result.ok, result.checked, result.size) == (True, 1, 1)
    assert ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, "Found it again").seq == 2


def test_twenty_concurrent_writers_leave_one_unbroken_chain(app, org):
    actor_id, person_ids = org.hr.id, [org.officer.id, org.outsider.id]
    db.session.commit()
    barrier, errors = threading.Barrier(20), []

    def write(n: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, actor_id)
                person = db.session.get(User, person_ids[n % 2])
                db.session.commit()  # hand the connection back: 20 waiting threads exceed the pool
                barrier.wait(timeout=30)
                with unit_of_work():  # each writer is a request of its own
                    ledger.log_entry(actor, person, "late_inspection", 1 + n % 5, f"writer {n}")
        except Exception as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(repr(error))
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.rollback()
    rows = db.session.execute(select(LedgerEntry.seq, LedgerEntry.reason).order_by(LedgerEntry.seq)).all()
    assert [seq for seq, _ in rows] == list(range(1, 21))
    assert sorted(reason for _, reason in rows) == sorted(f"writer {n}" for n in range(20))
    result = verify_ledger()
    assert (result.ok, result.checked, result.size) == (True, 20, 20)
