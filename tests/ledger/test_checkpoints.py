"""Signed checkpoints: every way someone with write access to the database
could rewrite the ledger is detected against a checkpoint, on both databases."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from trainer.extensions import db
from trainer import append_only, signing
from trainer.ledger import checkpoints
from trainer.ledger import services as ledger
from trainer.ledger.chain import entry_hash
from trainer.ledger.models import LedgerCheckpoint, LedgerEntry
from trainer.ledger.verify import CheckpointRefused, checkpoint_now, verify_ledger

from tests.ledger.test_chain import chain_of, raw


def checkpoint() -> checkpoints.TreeHead:
    row = checkpoint_now()
    db.session.commit()
    return checkpoints.from_row(row)


def exported(head: checkpoints.TreeHead, tmp_path, name: str = "checkpoint.json"):
    path = tmp_path / name
    path.write_text(head.to_json(signing.public_pem(signing.signer().public)))
    return path


def move_head_to(seq: int) -> None:
    last = db.session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == seq)) if seq else "0" * 64
    raw("UPDATE ledger_head SET seq = :seq, hash = :hash", seq=seq, hash=last)


def broken(result, *words: str) -> None:
    assert not result.ok, result
    for word in words:
        assert word in result.problem, result.problem


def test_truncating_and_moving_the_head_back_is_found(org):
    chain_of(org, 5)
    checkpoint()
    raw("DELETE FROM ledger_entries WHERE seq >= 4")
    move_head_to(3)
    broken(verify_ledger(), "entries 4 to 5 are missing", "checkpoint #1")


def test_a_forged_tail_with_a_moved_head_is_found(org):
    chain_of(org, 3)
    checkpoint()
    last = db.session.execute(select(LedgerEntry.__table__).where(LedgerEntry.seq == 3)).mappings().one()
    forged = {**dict(last), "seq": 4, "points": 10, "reason": "Outstanding work", "prev_hash": last["hash"]}
    forged["hash"] = entry_hash(forged)
    columns = [c for c in forged if c != "id"]
    raw(f"INSERT INTO ledger_entries ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
        **{c: forged[c] for c in columns})
    move_head_to(4)
    result = verify_ledger()
    broken(result, "entry 4 is not signed with the ledger key")
    assert result.first_bad_seq == 4


def test_a_history_rewritten_from_a_row_on_is_found_even_with_the_key(org):
    """Worst case: whoever rewrites rows 3..5 also holds the signing key. The checkpoint still disagrees."""
    chain_of(org, 5)
    head = checkpoint()
    signer = signing.signer()
    prev = db.session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == 2))
    for seq in (3, 4, 5):
        row = dict(db.session.execute(select(LedgerEntry.__table__).where(LedgerEntry.seq == seq)).mappings().one())
        row.update(points=1, prev_hash=prev)
        row["hash"] = entry_hash(row)
        raw("UPDATE ledger_entries SET points = 1, prev_hash = :prev, hash = :hash, signature = :sig WHERE seq = :seq",
            prev=prev, hash=row["hash"], seq=seq,
            sig=signer.sign(signing.ENTRY_CONTEXT, signing.entry_message(seq, row["hash"])))
        prev = row["hash"]
    move_head_to(5)
    broken(verify_ledger(), "history was rewritten", "first 5 entries", head.source)


def test_deleting_everything_is_not_an_empty_ledger(org):
    chain_of(org, 4)
    checkpoint()
    raw("DELETE FROM ledger_entries")
    raw("DELETE FROM ledger_head")
    broken(verify_ledger(), "the ledger is empty", "every entry was deleted")


def test_swapping_primary_keys_cannot_retarget_a_reversal(org):
    first, second = chain_of(org, 2)
    ledger.reverse_entry(org.hr, first, "Counted twice")
    db.session.commit()
    checkpoint()
    ids = (first.id, second.id)
    # Around the application and its foreign keys, as a database owner could.
    if db.engine.dialect.name == "sqlite":
        statements = ["PRAGMA foreign_keys = OFF", "DROP TRIGGER ledger_entries_no_update"]
    else:
        statements = ["SET LOCAL session_replication_role = replica"]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("UPDATE ledger_entries SET id = -1 WHERE id = :a"), {"a": ids[0]})
        conn.execute(text("UPDATE ledger_entries SET id = :a WHERE id = :b"), {"a": ids[0], "b": ids[1]})
        conn.execute(text("UPDATE ledger_entries SET id = :b WHERE id = -1"), {"b": ids[1]})
        if db.engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = ON"))
            for statement in append_only.statements("sqlite", "ledger_entries"):
                conn.execute(text(statement))
    db.session.expire_all()
    result = verify_ledger(full=True)
    broken(result, "entry 3 reverses an entry whose row was moved or replaced")


def test_an_older_backup_restored_is_found_against_the_exported_checkpoint(org, tmp_path):
    chain_of(org, 3)
    checkpoint()  # the backup is taken here: three entries and checkpoint #1
    chain_of(org, 2)
    later = exported(checkpoint(), tmp_path, "later.json")  # kept by the auditors
    # The restore: the database as it was at the backup.
    raw("DELETE FROM ledger_entries WHERE seq > 3")
    raw("DELETE FROM ledger_checkpoints WHERE size > 3")
    move_head_to(3)
    assert verify_ledger().ok  # the restored database is consistent with itself...
    result = verify_ledger([checkpoints.read_file(later)])
    broken(result, "entries 4 to 5 are missing", "restored from an older backup")  # ...but not with the file


def test_an_altered_stored_checkpoint_is_itself_reported(org):
    chain_of(org, 3)
    checkpoint()
    raw("UPDATE ledger_checkpoints SET size = 2")
    broken(verify_ledger(), "checkpoint #1 was altered")


def test_a_checkpoint_file_from_another_key_is_refused(org, tmp_path):
    chain_of(org, 2)
    head = checkpoint()
    data = json.loads(head.to_json(""))
    data["key_id"] = "0" * 16
    path = tmp_path / "other.json"
    path.write_text(json.dumps(data))
    broken(verify_ledger([checkpoints.read_file(path)]), "not signed with this ledger's key")


def test_no_checkpoint_vouches_for_a_broken_ledger(org):
    chain_of(org, 3)
    raw("UPDATE ledger_entries SET points = points + 40 WHERE seq = 2")
    with pytest.raises(CheckpointRefused, match="entry 2 was altered"):
        checkpoint_now()
    db.session.rollback()
    assert db.session.scalar(select(LedgerCheckpoint.id)) is None


def test_verification_resumes_from_the_last_checkpoint(org, count_queries):
    chain_of(org, 6)
    head = checkpoint()
    chain_of(org, 2)
    with count_queries() as queries:
        result = verify_ledger()
    assert result.ok and result.size == 8 and result.resumed_from == head.describe()
    # the checkpoints, its last entry, one batch of the new entries, the head, and the same
    # three for the audit trail: not the whole ledger
    assert len(queries) <= 8
    assert verify_ledger(full=True).root == result.root


def test_the_full_walk_finds_what_the_incremental_one_skips(org):
    chain_of(org, 6)
    checkpoint()
    raw("UPDATE ledger_entries SET reason = 'Edited' WHERE seq = 2")
    assert verify_ledger().ok  # entry 6 is as signed, so the walk resumed after it
    broken(verify_ledger(full=True), "entry 2 was altered")


def test_cli_checkpoint_then_verify_against_the_file(org, runner, tmp_path):
    chain_of(org, 3)
    db.session.commit()
    path = tmp_path / "cp.json"
    made = runner.invoke(args=["trainer", "checkpoint", "--export", str(path)])
    assert made.exit_code == 0, made.output
    assert "Checkpoint #1: 3 entries" in made.output and path.exists()
    checked = runner.invoke(args=["trainer", "verify-ledger", "--checkpoint", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "Head: 3 entries" in checked.output and "Checked against cp.json (3 entries" in checked.output
    raw("DELETE FROM ledger_entries WHERE seq = 3")
    move_head_to(2)
    failed = runner.invoke(args=["trainer", "verify-ledger", "--checkpoint", str(path)])
    assert failed.exit_code == 1
    assert "entry 3 is missing" in failed.output


@pytest.mark.parametrize("statement", ["UPDATE ledger_entries SET points = 100", "DELETE FROM ledger_entries",
                                       "UPDATE ledger_checkpoints SET size = 0", "DELETE FROM ledger_checkpoints"])
def test_the_database_itself_refuses_to_change_ledger_rows(org, statement):
    chain_of(org, 2)
    checkpoint()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert verify_ledger(full=True).ok


def test_hr_sees_the_integrity_status_and_the_last_checkpoint(org, client, login):
    chain_of(org, 2)
    login(org.hr)
    page = client.get("/ledger/").get_data(as_text=True)
    assert "No signed checkpoint yet" in page
    checkpoint()
    page = client.get("/ledger/").get_data(as_text=True)
    assert "Integrity verified: 2 entries" in page and "Last signed checkpoint" in page
    raw("DELETE FROM ledger_entries WHERE seq = 2")
    move_head_to(1)
    page = client.get("/ledger/").get_data(as_text=True)
    assert "The ledger does not verify." in page and "entry 2 is missing" in page


def test_staff_do_not_see_the_integrity_panel(org, client, login):
    chain_of(org, 1)
    login(org.officer)
    assert 'id="ledger-integrity"' not in client.get("/ledger/").get_data(as_text=True)


def test_bad_checkpoint_files_and_export_paths_get_a_message(org, runner, tmp_path):
    chain_of(org, 1)
    db.session.commit()
    broken_file = tmp_path / "broken.json"
    broken_file.write_text("{not json")
    result = runner.invoke(args=["trainer", "verify-ledger", "--checkpoint", str(broken_file)])
    assert result.exit_code == 1 and "not a readable checkpoint file" in result.output
    result = runner.invoke(args=["trainer", "checkpoint", "--export", str(tmp_path / "no-such-dir" / "cp.json")])
    assert result.exit_code == 1 and "is stored, but" in result.output
