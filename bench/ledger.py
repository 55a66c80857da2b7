"""Ledger append throughput and `verify-ledger` time.

    .venv/bin/python bench/ledger.py [--database-url URL] [--appends 400] [--threads 4] [--sizes 10000,100000]

Appends go through the real service (authorisation, catalogue, compare-and-swap
on the chain head, commit per entry), first from one thread and then from
several at once. For verification, chains of each size are built quickly with
bulk inserts (hashes computed in Python), then walked by `verify_ledger`; a
second walk under tracemalloc shows its memory stays flat as the chain grows.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert, select  # noqa: E402

from trainer import create_app  # noqa: E402
from trainer.people.models import Department, Role, User, UserRole  # noqa: E402
from trainer.extensions import db  # noqa: E402
from sqlalchemy import text  # noqa: E402

from trainer import append_only, signing  # noqa: E402
from trainer.ledger.chain import GENESIS, HEAD_ID, entry_hash  # noqa: E402
from trainer.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead  # noqa: E402
from trainer.ledger.verify import checkpoint_now, verify_ledger  # noqa: E402
from trainer.ledger.services import log_entry  # noqa: E402
from trainer.transactions import unit_of_work  # noqa: E402

PEOPLE = 50
CHUNK = 5000


def prepare(app) -> tuple[int, list[int], int]:
    """A fresh schema, one HR actor and some staff; returns (actor, people, department)."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        dept = Department(code="BENCH", name="Bench", active=True)
        db.session.add(dept)
        db.session.flush()
        db.session.execute(insert(User), [
            {"employee_no": f"L{i:05d}", "email": f"l{i}@bench.example.com", "full_name": f"Ledger Person {i}",
             "department_id": dept.id, "password_hash": "", "must_change_password": False, "session_version": 1,
             "active": True} for i in range(PEOPLE + 1)])
        ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.STAFF} for i in ids]
                           + [{"user_id": ids[0], "role": Role.HR}])
        db.session.commit()
        return ids[0], ids[1:], dept.id


def append_rate(app, actor_id: int, people: list[int], total: int, threads: int) -> float:
    """Entries per second through `log_entry`, `total` split over `threads`."""
    barrier, errors = threading.Barrier(threads), []

    def work(n: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, actor_id)
                persons = [db.session.get(User, p) for p in people]
                db.session.commit()
                barrier.wait()
                for i in range(n, total, threads):
                    with unit_of_work():  # one entry per transaction, as one request logs it
                        log_entry(actor, persons[i % len(persons)], "late_inspection", 1 + i % 5, f"Bench entry {i}")
        except Exception as error:  # noqa: BLE001 - reported after the run
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return total / elapsed


def _clear_ledger() -> None:
    """Empty the ledger around its append-only triggers (a benchmark database only)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        for table in append_only.TABLES:
            for op in ("update", "delete"):
                db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))
    db.session.execute(delete(LedgerCheckpoint))
    db.session.execute(delete(LedgerEntry))
    db.session.execute(delete(LedgerHead))
    if dialect == "sqlite":
        for table in append_only.TABLES:
            for statement in append_only.statements(dialect, table):
                db.session.execute(text(statement))


def build_chain(size: int, people: list[int], dept_id: int, actor_id: int) -> None:
    """Replace the ledger with a valid, signed chain of `size` entries, in bulk."""
    _clear_ledger()
    signer = signing.signer()
    prev, start = GENESIS, datetime(2026, 1, 1, tzinfo=timezone.utc)
    for first in range(1, size + 1, CHUNK):
        rows = []
        for seq in range(first, min(first + CHUNK, size + 1)):
            row = {"seq": seq, "person_id": people[seq % len(people)], "department_id": dept_id,
                   "category": "late_inspection", "kind": "sanction", "severity": "minor", "points": -(1 + seq % 5),
                   "reason": f"Bench entry {seq}", "logged_by_id": actor_id, "inspection_id": None,
                   "reverses_id": None, "reverses_hash": None, "created_at": start + timedelta(seconds=seq),
                   "prev_hash": prev}
            row["hash"] = prev = entry_hash(row)
            row["signature"] = signer.sign(signing.ENTRY_CONTEXT, signing.entry_message(seq, row["hash"]))
            rows.append(row)
        db.session.execute(insert(LedgerEntry), rows)
    db.session.add(LedgerHead(id=HEAD_ID, seq=size, hash=prev))
    db.session.commit()


INCREMENT = 100  # entries appended after the checkpoint for the incremental walk


def verify_figures(app, size: int, people: list[int], dept_id: int,
                   actor_id: int) -> tuple[float, float, float, float, float]:
    """(build s, full verify without checkpoint s, full verify against a checkpoint s,
    incremental verify of INCREMENT new entries s, peak MiB during a full verify)."""
    with app.app_context():
        started = time.perf_counter()
        build_chain(size, people, dept_id, actor_id)
        built = time.perf_counter() - started
        unsigned_walk = _timed(lambda: verify_ledger(full=True), size)  # every entry's signature checked
        checkpoint_now()
        db.session.commit()
        signed_walk = _timed(lambda: verify_ledger(full=True), size)  # the checkpoint vouches for all
        for n in range(INCREMENT):
            log_entry(db.session.get(User, actor_id), db.session.get(User, people[n % len(people)]),
                      "late_inspection", 1, f"after the checkpoint {n}")
        db.session.commit()
        incremental = _timed(verify_ledger, size + INCREMENT)
        tracemalloc.start()
        verify_ledger(full=True)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return built, unsigned_walk, signed_walk, incremental, peak


def _timed(walk, expected: int) -> float:
    started = time.perf_counter()
    result = walk()
    seconds = time.perf_counter() - started
    if not result.ok or result.size != expected:
        raise RuntimeError(f"the chain did not verify: {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--appends", type=int, default=400, help="entries appended in each throughput run")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sizes", default="10000,100000", help="chain lengths to verify")
    args = parser.parse_args()

    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='trainer-bench-')}/ledger.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    actor_id, people, dept_id = prepare(app)
    sequential = append_rate(app, actor_id, people, args.appends, 1)
    concurrent = append_rate(app, actor_id, people, args.appends, args.threads)
    with app.app_context():
        result = verify_ledger()
    if not result.ok or result.checked != 2 * args.appends:
        raise RuntimeError(f"concurrent appends broke the chain: {result}")

    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    lines = [f"# Ledger benchmark {datetime.now():%Y-%m-%d %H:%M} ({backend})", "",
             "| measure | result |", "| --- | ---: |",
             f"| append, 1 thread ({args.appends} entries, one commit each) | {sequential:.0f} entries/s |",
             f"| append, {args.threads} threads ({args.appends} entries) | {concurrent:.0f} entries/s |"]
    for size in (int(s) for s in args.sizes.split(",")):
        built, unsigned_walk, signed_walk, incremental, peak = verify_figures(app, size, people, dept_id, actor_id)
        lines += [f"| verify-ledger --full, {size:,} entries, no checkpoint (every signature checked) | "
                  f"{unsigned_walk:.2f} s ({size / unsigned_walk:,.0f} entries/s) |",
                  f"| verify-ledger --full, {size:,} entries against a checkpoint | {signed_walk:.2f} s "
                  f"({size / signed_walk:,.0f} entries/s, peak {peak:.1f} MiB; bulk build {built:.1f} s) |",
                  f"| verify-ledger incremental: {INCREMENT} entries after a checkpoint at {size:,} | "
                  f"{incremental * 1000:.0f} ms |"]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{datetime.now():%Y%m%d-%H%M%S}-ledger-{backend}.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
