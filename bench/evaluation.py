"""How the quarterly evaluation scales: 1,000 against 10,000 staff in 100 departments.

Fills a fresh database per size (bulk inserts) with, for the last complete
quarter, three loans per person, their monthly reports (most on time, some
late or missing), reviews (some returned first), warning signals with the
supervisor's judgement, ledger entries (a few reversed) and certificates.
Then times, the median of 5 runs with the SQL queries each makes:

- the computation alone (`services.evaluate`), for one quarter and with the
  six quarters of department history the page charts, computed (the cache of
  closed quarters emptied first) and kept (the quarter's numbers from
  trainer/evaluation/cache.py, after checking its fingerprint),
- the first page as HR sees it, the CSV export and the chart, through the
  Flask test client (the quarters kept after the warm-up request).

    .venv/bin/python bench/evaluation.py [--staff 1000,10000] [--database-url postgresql+psycopg://...]

A --database-url database is emptied first (drop_all), as in bench/data.py.
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text  # noqa: E402

from trainer import create_app  # noqa: E402
from trainer.people.models import Department, Role, User, UserRole  # noqa: E402
from trainer.auth.services import hash_password  # noqa: E402
from trainer.certification import services as certification  # noqa: E402
from trainer.certification.models import Certificate, CertificateStatus  # noqa: E402
from trainer.evaluation import cache  # noqa: E402
from trainer.evaluation import services as evaluation  # noqa: E402
from trainer.evaluation.quarters import Quarter, deadline  # noqa: E402
from trainer.extensions import db  # noqa: E402
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal, Review  # noqa: E402
from trainer.ledger.models import LedgerEntry  # noqa: E402

PASSWORD = "bench-password-1"
RUNS = 5
DEPARTMENTS = 100
LOANS_PER_PERSON = 3


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def _activity(ids: list[int], department_of: dict[int, int], reviewer_of: dict[int, int], quarter: Quarter,
              rng: random.Random) -> dict[type, list[dict]]:
    """Loans, reports, reviews, signals and ledger entries; ids are assigned here so rows can refer to each other."""
    loans, reports, reviews, signals, entries = [], [], [], [], []
    for person in ids:
        department = department_of[person]
        for _ in range(LOANS_PER_PERSON):
            loan_id = len(loans) + 1
            start = quarter.start - timedelta(days=rng.randint(-60, 400))
            loans.append({"id": loan_id, "loan_no": f"B-{loan_id:07d}", "borrower": "Bench Borrower Ltd",
                          "department_id": department, "officer_id": person, "amount": 250000, "loan_type": "working_capital",
                          "guarantor": "", "collateral": "", "start_date": start, "active": rng.random() < 0.95})
            for first in quarter.months:
                if first < start.replace(day=1) or rng.random() < 0.1:
                    continue  # not owed yet, or missed
                inspected = first + timedelta(days=rng.randint(0, 27))
                late = rng.random() < 0.15
                submitted = deadline(first) + timedelta(days=rng.randint(1, 10)) if late else inspected + timedelta(days=1)
                status = rng.choices(["reviewed", "submitted", "returned", "draft"], weights=[70, 15, 5, 10])[0]
                report_id = len(reports) + 1
                reports.append({"id": report_id, "loan_id": loan_id, "author_id": person, "department_id": department,
                                "kind": "regular", "inspection_date": inspected, "status": status,
                                "conclusion": "", "trigger": "", "revision": 1,
                                "submitted_at": None if status == "draft" else _moment(submitted)})
                if status in ("reviewed", "returned"):
                    if status == "returned" or rng.random() < 0.1:
                        reviews.append({"report_id": report_id, "reviewer_id": reviewer_of[department],
                                        "decision": "returned", "opinion": "Fix it.", "scores": {},
                                        "quality_score": rng.randint(30, 60), "created_at": _moment(submitted, 11)})
                    if status == "reviewed":
                        reviews.append({"report_id": report_id, "reviewer_id": reviewer_of[department],
                                        "decision": "accepted", "opinion": "Good.", "scores": {},
                                        "quality_score": rng.randint(55, 100), "created_at": _moment(submitted, 15)})
                        for n in range(rng.choice([0, 0, 1, 2])):
                            signals.append({"report_id": report_id, "signal": f"signal_{n}", "severity": "medium",
                                            "note": "", "confirmed": rng.choice([True, True, False, None])})
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            points = rng.choice([5, 10, 20, -5, -10, -30])
            severity = "severe" if points == -30 else "minor"
            entry_id = len(entries) + 1
            created = _moment(quarter.start + timedelta(days=rng.randint(0, 85)))
            entries.append({"id": entry_id, "seq": entry_id, "person_id": person, "department_id": department,
                            "category": "bench", "kind": "reward" if points > 0 else "sanction", "severity": severity,
                            "points": points, "reason": "Bench.", "created_at": created, "reverses_id": None,
                            "prev_hash": f"p{entry_id}", "hash": f"h{entry_id}"})
            if rng.random() < 0.05:
                reversal_id = len(entries) + 1
                entries.append({**entries[-1], "id": reversal_id, "seq": reversal_id, "kind": "reversal",
                                "points": -points, "reverses_id": entry_id, "created_at": created + timedelta(days=1),
                                "prev_hash": f"p{reversal_id}", "hash": f"h{reversal_id}"})
    return {Loan: loans, InspectionReport: reports, Review: reviews, RaisedSignal: signals, LedgerEntry: entries}


def seed(database_url: str, staff: int) -> tuple[str, Quarter, dict[str, int]]:
    """Fill an empty database; returns the HR reader's login, the quarter and the row counts."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    rng = random.Random(5)
    with app.app_context():
        db.drop_all()
        db.create_all()
        quarter = Quarter.containing(certification.today()).shift(-1)
        departments = [Department(code=f"D{i:03d}", name=f"Department {i}", active=True) for i in range(DEPARTMENTS)]
        db.session.add_all(departments)
        db.session.flush()
        password_hash = hash_password(PASSWORD)
        db.session.execute(insert(User), [
            {"employee_no": f"S{i:06d}", "email": f"s{i}@bench.example.com", "full_name": f"Staff Person {i:06d}",
             "department_id": departments[i % DEPARTMENTS].id, "password_hash": password_hash,
             "must_change_password": False, "session_version": 1, "active": True} for i in range(staff + 1)])
        rows = db.session.execute(select(User.id, User.department_id).order_by(User.id)).all()
        reader, people = rows[0].id, rows[1:]
        db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.STAFF} for i, _d in people])
        db.session.execute(insert(UserRole), [{"user_id": reader, "role": Role.HR}])
        department_of = {i: d for i, d in people}
        reviewer_of = {}
        for person, department in people:
            reviewer_of.setdefault(department, person)
        counts = {}
        for model, batch in _activity([i for i, _d in people], department_of, reviewer_of, quarter, rng).items():
            for start in range(0, len(batch), 5000):
                db.session.execute(insert(model), batch[start:start + 5000])
            counts[model.__tablename__] = len(batch)
        certificates = [{"user_id": person, "qualification": "inspector", "status": CertificateStatus.ACTIVE,
                         "valid_from": quarter.start - timedelta(days=200), "expires_on": quarter.end + timedelta(days=rng.randint(-30, 300)),
                         "verify_code": secrets.token_urlsafe(18), "badge_salt": secrets.token_hex(8)}
                        for person, _d in people if rng.random() < 0.85]
        db.session.execute(insert(Certificate), certificates)
        counts["certificates"] = len(certificates)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return "s0@bench.example.com", quarter, counts


def _timed(engine, action) -> tuple[float, int]:
    """Median milliseconds of RUNS calls after a warm-up, and the queries of one call."""
    action()
    statements: list[str] = []

    def record(*args):
        statements.append(args[2])

    event.listen(engine, "after_cursor_execute", record)
    action()
    event.remove(engine, "after_cursor_execute", record)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(statements)


def measure(database_url: str, login: str, quarter: Quarter) -> dict[str, tuple[float, int]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    results = {}
    with app.app_context():
        engine = db.engine
        with app.test_request_context(headers={"Accept-Language": "en"}):
            reader = db.session.scalar(select(User).where(User.email == login))

            def computed(history: int):
                def action():
                    cache.clear()  # nothing kept: the computation itself
                    evaluation.evaluate(reader, quarter, history=history)
                return action

            results["evaluate, one quarter, computed"] = _timed(engine, computed(1))
            results["evaluate, with 6 quarters of history, computed"] = _timed(
                engine, computed(evaluation.HISTORY_QUARTERS))
            # The quarter is closed: after the first call its numbers are kept (trainer/evaluation/cache.py).
            results["evaluate, one quarter, kept"] = _timed(engine, lambda: evaluation.evaluate(reader, quarter))
            results["evaluate, with 6 quarters of history, kept"] = _timed(
                engine, lambda: evaluation.evaluate(reader, quarter, history=evaluation.HISTORY_QUARTERS))
            db.session.rollback()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302

    def get(path: str):
        def action():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} -> {response.status_code}")
        return action

    results["page (HR, first page)"] = _timed(engine, get("/evaluation/"))
    results["CSV export, everyone"] = _timed(engine, get("/evaluation/export.csv"))
    results["chart (SVG)"] = _timed(engine, get("/evaluation/chart.svg"))
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (emptied first); default: new SQLite files")
    parser.add_argument("--staff", default="1000,10000", help="comma-separated data sizes")
    args = parser.parse_args()
    sizes = [int(n) for n in args.staff.split(",")]

    by_size, volumes = {}, {}
    for staff in sizes:
        database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='trainer-evaluation-')}/bench.sqlite3"
        login, quarter, volumes[staff] = seed(database_url, staff)
        by_size[staff] = measure(database_url, login, quarter)

    backend = (args.database_url or "sqlite").split(":", 1)[0].split("+")[0]
    first, last = sizes[0], sizes[-1]
    names = list(by_size[first])
    lines = [f"# Quarterly evaluation, {backend}, {DEPARTMENTS} departments: median of {RUNS} runs", "",
             "| measured | " + " | ".join(f"ms ({n} staff)" for n in sizes) + f" | time {last}/{first} | "
             + " | ".join(f"queries ({n})" for n in sizes) + " |",
             "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | " + " | ".join("---:" for _ in sizes) + " |"]
    for name in names:
        times = [by_size[n][name][0] for n in sizes]
        queries = [by_size[n][name][1] for n in sizes]
        lines.append(f"| {name} | " + " | ".join(f"{t:.0f}" for t in times) + f" | {times[-1] / times[0]:.1f}x | "
                     + " | ".join(str(q) for q in queries) + " |")
    lines += ["", "Rows per size: " + "; ".join(
        f"{n} staff: " + ", ".join(f"{count} {table}" for table, count in volumes[n].items()) for n in sizes)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
