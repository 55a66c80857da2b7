"""How the certification matrix and its export scale: 1,000 against 10,000 people.

Fills a fresh database per size with people and certificates in every state
(bulk inserts), then times the matrix page, a state-filtered page and the
exports through the Flask test client: the median wall time of 5 requests
and the SQL queries each request makes. See bench/README.md.

    .venv/bin/python bench/matrix.py [--people 1000,10000] [--database-url postgresql+psycopg://...]

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
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text  # noqa: E402

from trainer import create_app  # noqa: E402
from trainer.people.models import Department, Role, User, UserRole  # noqa: E402
from trainer.auth.services import hash_password  # noqa: E402
from trainer.certification import services as certification  # noqa: E402
from trainer.certification.models import Certificate, CertificateStatus  # noqa: E402
from trainer.extensions import db  # noqa: E402

PASSWORD = "bench-password-1"
RUNS = 5
REQUESTS = [
    ("matrix, first page", "/people/matrix"),
    ("matrix, filtered by state", "/people/matrix?qualification=inspector&state=expiring"),
    ("matrix, any qualification expired", "/people/matrix?state=expired&page=2"),
    ("CSV export, everyone", "/people/matrix.csv"),
    ("XLSX export, everyone", "/people/matrix.xlsx"),
]


def _certificates(user_id: int, code: str, rng: random.Random, today) -> list[dict]:
    """A person's certificates of one qualification, the latest in a random state."""
    rows = []
    if rng.random() < 0.3:  # an older, long expired one: the matrix must look past it
        end = today - timedelta(days=rng.randint(400, 700))
        rows.append((CertificateStatus.ACTIVE, end))
    ends_in = rng.choice([rng.randint(61, 360), rng.randint(0, 60), rng.randint(-300, -1)])
    status = rng.choices(list(CertificateStatus), weights=[90, 6, 4])[0]
    rows.append((status, today + timedelta(days=ends_in)))
    return [{"user_id": user_id, "qualification": code, "status": status, "valid_from": end - timedelta(days=364),
             "expires_on": end, "verify_code": secrets.token_urlsafe(18), "badge_salt": secrets.token_hex(8)}
            for status, end in rows]


def seed(database_url: str, people: int) -> str:
    """Fill an empty database; returns the HR reader's login."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    rng = random.Random(11)
    with app.app_context():
        db.drop_all()
        db.create_all()
        departments = [Department(code=f"D{i:03d}", name=f"Department {i}", active=True)
                       for i in range(max(1, people // 100))]
        db.session.add_all(departments)
        db.session.flush()
        password_hash = hash_password(PASSWORD)
        db.session.execute(insert(User), [
            {"employee_no": f"M{i:06d}", "email": f"m{i}@bench.example.com", "full_name": f"Matrix Person {i:06d}",
             "department_id": departments[i % len(departments)].id, "password_hash": password_hash,
             "must_change_password": False, "session_version": 1, "active": True} for i in range(people)])
        ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.STAFF} for i in ids])
        db.session.execute(insert(UserRole), [{"user_id": ids[0], "role": Role.HR}])
        today = certification.today()
        certificates = []
        for user_id in ids:
            if rng.random() < 0.85:
                certificates += _certificates(user_id, "inspector", rng, today)
            if rng.random() < 0.2:
                certificates += _certificates(user_id, "supervisor", rng, today)
        db.session.execute(insert(Certificate), certificates)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does shortly after a bulk load; without statistics the
            # planner takes the fresh tables for empty and picks nested loops.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return "m0@bench.example.com"


def measure(database_url: str, login: str) -> dict[str, tuple[float, int]]:
    """Median milliseconds and SQL queries per request."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302
    with app.app_context():
        engine = db.engine
    results = {}
    for name, path in REQUESTS:
        statements: list[str] = []

        def record(*args, _statements=statements):
            _statements.append(args[2])

        client.get(path)  # warm up caches (definitions, templates)
        event.listen(engine, "after_cursor_execute", record)
        response = client.get(path)
        event.remove(engine, "after_cursor_execute", record)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code}")
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        results[name] = (statistics.median(times), len(statements))
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (emptied first); default: new SQLite files")
    parser.add_argument("--people", default="1000,10000", help="comma-separated data sizes")
    args = parser.parse_args()
    sizes = [int(n) for n in args.people.split(",")]

    by_size = {}
    for people in sizes:
        database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='trainer-matrix-')}/bench.sqlite3"
        by_size[people] = measure(database_url, seed(database_url, people))

    backend = (args.database_url or "sqlite").split(":", 1)[0].split("+")[0]
    first, last = sizes[0], sizes[-1]
    lines = [f"# Certification matrix, {backend}: median of {RUNS} requests", "",
             "| request | " + " | ".join(f"ms ({n} people)" for n in sizes) + f" | time {last}/{first} | "
             + " | ".join(f"queries ({n})" for n in sizes) + " |",
             "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | " + " | ".join("---:" for _ in sizes) + " |"]
    for name, _path in REQUESTS:
        times = [by_size[n][name][0] for n in sizes]
        queries = [by_size[n][name][1] for n in sizes]
        lines.append(f"| {name} | " + " | ".join(f"{t:.0f}" for t in times) + f" | {times[-1] / times[0]:.1f}x | "
                     + " | ".join(str(q) for q in queries) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
