"""Exam throughput: autosave and submit as ratios to the bare endpoint, and grading time.

    .venv/bin/python bench/exams.py [--database-url URL] [--seconds 5] [--concurrency 4]

Autosave: each client saves answers in its own open attempt. Submit: every
request submits (and grades) a different attempt prepared beforehand, so the
figure is real grading work, not the idempotent replay. The bare endpoint is
measured first and again last (the load of a shared machine drifts meanwhile);
the ratios are to the mean of the two, and both are listed.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import timeit
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Session, drive, measure  # noqa: E402
from bench.server import gunicorn, save_report  # noqa: E402
from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402


def prepare(database_url: str, people: int) -> list[tuple[str, int]]:
    """People who read the modules and each hold one open inspector attempt."""
    from sqlalchemy import insert, select

    from trainer.people.models import Department, Role, User, UserRole
    from trainer.auth.services import hash_password
    from trainer.content.models import ModuleCompletion, ReadingProgress
    from trainer.content.services import active_modules
    from trainer.exams.services import start_attempt
    from trainer.library import read_all, sync_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        sync_all(read_all())
        dept = Department(code="BENCH", name="Bench", active=True)
        db.session.add(dept)
        db.session.flush()
        password = hash_password("bench-password-1")
        db.session.execute(insert(User), [
            {"employee_no": f"X{i:05d}", "email": f"x{i}@bench.example.com", "full_name": f"Exam Person {i}",
             "department_id": dept.id, "password_hash": password, "must_change_password": False,
             "session_version": 1, "active": True} for i in range(people)])
        users = db.session.scalars(select(User).order_by(User.id)).all()
        db.session.execute(insert(UserRole), [{"user_id": u.id, "role": Role.STAFF} for u in users])
        modules = [m for m in active_modules() if "inspector" in m.qualifications]
        db.session.execute(insert(ReadingProgress), [{"user_id": u.id, "module_id": m.id, "version": m.version,
                                                      "furthest_section": m.section_count} for u in users for m in modules])
        db.session.execute(insert(ModuleCompletion), [{"user_id": u.id, "module_id": m.id, "version": m.version}
                                                      for u in users for m in modules])
        db.session.commit()
        started = [(u.email, start_attempt(u, "inspector").id) for u in users]
        db.session.commit()  # services leave committing to their caller (trainer/transactions.py)
        return started


class ExamSession(Session):
    def csrf(self, attempt_id: int) -> str:
        page = self.request("GET", f"/exams/attempts/{attempt_id}")
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def grading_time() -> float:
    from trainer.exams.grading import grade

    body = {"kind": "multiple", "options": [{"id": o, "correct": o in "ac"} for o in "abcd"]}
    items = [(n, body, ["a", "c"] if n % 2 else ["b"]) for n in range(1, 51)]
    runs = 2000
    return timeit.timeit(lambda: grade(items, 75), number=runs) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trainer-bench-")
    database_url = args.database_url or f"sqlite:///{tmp}/exams.sqlite3"
    submit_pool = int(max(400, args.seconds * 150))
    people = prepare(database_url, args.concurrency + submit_pool)
    with gunicorn(database_url, args.workers) as port:
        bare = drive(port, None, None, "/healthz", 1.0, args.concurrency)  # warm up, anonymous: truly bare
        bare = drive(port, None, None, "/healthz", args.seconds, args.concurrency)

        savers = [ExamSession(port, e, "bench-password-1") for e, _ in people[:args.concurrency]]
        tokens = [s.csrf(a) for s, (_, a) in zip(savers, people)]

        def autosave(i, n):
            attempt = people[i][1]
            body = json.dumps({"answers": {str(n % 20 + 1): []}})
            savers[i].request("POST", f"/exams/attempts/{attempt}/answers", body,
                              {"Content-Type": "application/json", "X-CSRFToken": tokens[i]}, strict=False)
            return savers[i].status

        autosave_result = measure(args.concurrency, autosave, args.seconds)

        # Submits: log everyone in first (not timed), then each request grades a fresh attempt.
        pool = people[args.concurrency:]
        submitters = [ExamSession(port, e, "bench-password-1") for e, _ in pool]
        submit_tokens = [s.csrf(a) for s, (_, a) in zip(submitters, pool)]
        cursor = iter(range(len(pool)))
        lock = threading.Lock()

        def submit(i, n):
            with lock:
                k = next(cursor, None)
            if k is None:
                return None
            submitters[k].request("POST", f"/exams/attempts/{pool[k][1]}/submit",
                                  f"csrf_token={submit_tokens[k]}", {"Content-Type": "application/x-www-form-urlencoded"},
                                  strict=False)
            return submitters[k].status

        # A submit answers with a redirect to the result page: 302/303 is its success.
        submit_result = measure(args.concurrency, submit, args.seconds, expected=(302, 303))
        # Bare again: on a shared machine the load drifts between the first measurement and the last.
        bare_after = drive(port, None, None, "/healthz", args.seconds, args.concurrency)

    backend = database_url.split(":", 1)[0]
    lines = [f"# Exam benchmark {datetime.now():%Y-%m-%d %H:%M} ({backend}, {args.workers} workers, {args.concurrency} clients)", "",
             "| endpoint | requests/s | throughput vs bare (mean of first and last) | p50 ms | p90 ms | unexpected status |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    # Ratios against the mean of the bare runs before and after (both listed).
    reference = (bare.rate + bare_after.rate) / 2
    for name, r in [("bare /healthz, first", bare), ("autosave one answer", autosave_result),
                    ("submit and grade (20 questions, grants a certificate on a pass)", submit_result),
                    ("bare /healthz, last", bare_after)]:
        lines.append(f"| {name} | {r.rate:.0f} | {r.rate / reference:.2f}x | {r.p50_ms:.1f} | {r.p90_ms:.1f} | "
                     f"{r.unexpected}/{r.requests} |")
    lines += ["", f"Grading a 50-question attempt (pure function): {grading_time() * 1e6:.0f} µs"]
    save_report("\n".join(lines), f"exams-{backend}")


if __name__ == "__main__":
    main()
