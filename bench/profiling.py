"""Where the time of one request goes: cProfile around the hot requests, in process.

    .venv/bin/python bench/profiling.py [--database-url URL] [--requests 300] [--top 12] [--only dashboard,...]
    .venv/bin/python bench/profiling.py --wall [...]   # no profiler: wall time per request, median and p90

Drives the Flask test client (CSRF on, a real login, production-like config)
through an exam autosave, a submit-and-grade, an eligibility API call, its
batch form and the dashboard, and prints per request kind the functions with
the most own time and the share of time spent in each layer (user load,
session, CSRF, Babel, SQLAlchemy/driver, template, the rest).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.exams import prepare  # noqa: E402
from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402

PASSWORD = "bench-password-1"
LAYERS = [  # first match wins, tested against "file:function"
    ("user load", ("load_user_for_session", "flask_login")),
    ("CSRF", ("flask_wtf/csrf",)),
    ("session cookie", ("flask/sessions", "itsdangerous")),
    ("Babel / locale", ("flask_babel", "babel/", "i18n.py")),
    ("template", ("jinja2",)),
    ("SQLAlchemy + driver", ("sqlalchemy", "sqlite3", "psycopg")),
    ("JSON", ("json/",)),
    ("Werkzeug / Flask", ("werkzeug", "flask/")),
]


def layer_shares(stats: pstats.Stats) -> dict[str, float]:
    """Own time per layer (each function's tottime attributed to the first layer its file matches)."""
    shares: dict[str, float] = {}
    total = 0.0
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        total += tottime
        key = f"{filename}:{name}"
        for layer, needles in LAYERS:
            if any(n in key for n in needles):
                break
        else:
            layer = "trainer + other"
        shares[layer] = shares.get(layer, 0.0) + tottime
    return {k: v / total for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}


def cumulative_of(stats: pstats.Stats, needles: dict[str, str], calls: int) -> dict[str, float]:
    """Cumulative ms per request of a few named functions (user load, the commit, the render...)."""
    out = {}
    for label, needle in needles.items():
        best = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, cumtime, _callers) in stats.stats.items():
            if needle in f"{filename}:{name}":
                best = max(best, cumtime)
        out[label] = best * 1000 / calls
    return out


def wall_times(label: str, work, n: int, status: int) -> str:
    """One table row: the median and p90 of the wall time of requests 1..n-1 (no profiler)."""
    times, bad = [], 0
    for i in range(1, n):
        start = time.perf_counter()
        bad += work(i).status_code != status
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return f"| {label} | {statistics.median(times):.2f} | {times[int(len(times) * 0.9)]:.2f} | {bad}/{len(times)} |"


CUMULATIVE = {
    "user load": "services.py:load_user_for_session",
    "CSRF check": "csrf.py:protect",
    "locale": "i18n.py:select_locale",
    "commit": "session.py:commit",
    "render_template": "templating.py:render_template",
    "view": "app.py:dispatch_request",
    "whole request": "app.py:wsgi_app",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--only", default="", help="comma-separated request kinds, e.g. dashboard,section")
    parser.add_argument("--dump", default="", help="directory to write each kind's pstats file to (for callers)")
    parser.add_argument("--wall", action="store_true",
                        help="no profiler: each request's wall time, median and p90 (to compare two versions)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="trainer-profile-")
    database_url = args.database_url or f"sqlite:///{tmp}/profile.sqlite3"
    n = args.requests
    people = prepare(database_url, n + 2)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SECRET_KEY": "profile-" + "x" * 40})
    from trainer.api.scopes import Scope
    from trainer.api.services import issue_token
    from trainer.people.models import User
    with app.app_context():
        admin = db.session.scalar(db.select(User).order_by(User.id))
        _token, plaintext = issue_token("profile", admin, (Scope.ELIGIBILITY_READ,))
        db.session.commit()  # services leave committing to their caller (trainer/transactions.py)
        numbers = [u.employee_no for u in db.session.scalars(db.select(User).order_by(User.id).limit(100))]
    bearer = {"Authorization": f"Bearer {plaintext}"}

    def login(email: str):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"csrf_token": token, "login": email, "password": PASSWORD})
        return client

    def csrf_of(client, attempt_id):
        page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    saver_email, saver_attempt = people[0]
    saver = login(saver_email)
    saver_csrf = csrf_of(saver, saver_attempt)
    submitters = [(login(e), a) for e, a in people[2:n + 2]]
    submit_csrf = [csrf_of(c, a) for c, a in submitters]
    reader = login(people[1][0])

    def autosave(i):
        return saver.post(f"/exams/attempts/{saver_attempt}/answers", data=json.dumps({"answers": {str(i % 20 + 1): []}}),
                          headers={"Content-Type": "application/json", "X-CSRFToken": saver_csrf})

    def submit(i):
        client, attempt = submitters[i]
        return client.post(f"/exams/attempts/{attempt}/submit", data={"csrf_token": submit_csrf[i]})

    def eligibility(i):
        return app.test_client().get(f"/api/v1/eligibility/{numbers[i % len(numbers)]}", headers=bearer)

    def batch(i):
        return app.test_client().post("/api/v1/eligibility:batch", json={"employee_nos": numbers}, headers=bearer)

    def dashboard(i):
        return reader.get("/dashboard")

    def module_list(i):
        return reader.get("/modules/")

    def module_section(i):
        return reader.get("/modules/inspection-areas/2")

    def healthz(i):
        return app.test_client().get("/healthz")

    kinds = [("bare /healthz", healthz), ("autosave one answer", autosave), ("submit and grade", submit),
             ("eligibility API", eligibility), ("eligibility batch, 100 people", batch), ("dashboard", dashboard),
             ("module list", module_list), ("module section", module_section)]
    backend = database_url.split(":", 1)[0]
    print(f"# {'Wall time' if args.wall else 'Profile'} ({backend}, {n} requests each, Flask test client)\n")
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    if args.wall:
        print("| request | median ms | p90 ms | other statuses |\n| --- | ---: | ---: | ---: |")
    for label, work in kinds:
        if wanted and not any(w in label for w in wanted):
            continue
        status = work(0).status_code  # warm up (and the first submit is not profiled twice: index 0 reused)
        if args.wall:
            print(wall_times(label, work, n, status))
            continue
        profiler = cProfile.Profile()
        profiler.enable()
        codes = [work(i).status_code for i in range(1, n)]
        profiler.disable()
        stats = pstats.Stats(profiler)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            stats.dump_stats(str(Path(args.dump) / (re.sub(r"\W+", "-", label).strip("-") + ".pstats")))
        calls = len(codes)
        bad = sum(1 for c in codes if c != status)  # the warm-up's status is the expected one (a submit: 302)
        print(f"## {label} (status {status}, other statuses {bad}/{calls})\n")
        print("| where | ms per request |\n| --- | ---: |")
        for what, ms in cumulative_of(stats, CUMULATIVE, calls).items():
            print(f"| {what} (cumulative) | {ms:.2f} |")
        print("\n| layer | share of own time |\n| --- | ---: |")
        for layer, share in layer_shares(stats).items():
            print(f"| {layer} | {share:.0%} |")
        print(f"\nTop {args.top} functions by own time:\n```")
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:args.top]
        for (filename, line, name), (_cc, ncalls, tottime, cumtime, _c) in rows:
            short = "/".join(filename.split("/")[-2:])
            print(f"{tottime * 1000 / calls:7.3f} ms  {ncalls / calls:6.1f} calls  {short}:{line}({name})")
        print("```\n")


if __name__ == "__main__":
    main()
