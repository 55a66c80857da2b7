"""Page throughput as a ratio to a bare endpoint on the same server, with query counts.

Starts gunicorn on 127.0.0.1 against a fresh database filled with demo data,
logs in as a reader, and drives each endpoint with a few client threads for a
fixed time. See bench/README.md.
"""
from __future__ import annotations

import argparse
import http.client
import re
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402
from bench.data import seed  # noqa: E402
from bench.server import gunicorn, save_report  # noqa: E402

PAGES = [
    ("bare /healthz", "/healthz"),
    ("dashboard", "/dashboard"),
    ("module list", "/modules/"),
    ("module section", "/modules/inspection-areas/2"),
    ("people list (HR)", "/people/"),
]


class Session:
    """A logged-in HTTP client over one keep-alive connection."""

    def __init__(self, port: int, login: str, password: str):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = f"csrf_token={token}&login={login}&password={password}"
        self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None) -> str:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status}")
        return data


def drive(port: int, login: str, password: str, path: str, seconds: float, concurrency: int) -> float:
    sessions = [Session(port, login, password) for _ in range(concurrency)]
    counts = [0] * concurrency
    stop = time.monotonic() + seconds

    def loop(i: int) -> None:
        while time.monotonic() < stop:
            sessions[i].request("GET", path)
            counts[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def query_counts(database_url: str, login: str, password: str) -> dict[str, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"login": login, "password": password})
    counts = {}
    with app.app_context():
        engine = db.engine
    for name, path in PAGES:
        statements: list[str] = []

        def record(*args, _s=statements):
            _s.append(args[2])

        event.listen(engine, "after_cursor_execute", record)
        client.get(path)
        event.remove(engine, "after_cursor_execute", record)
        counts[name] = len(statements)
    return counts


def run_size(people: int, args) -> list[tuple[str, float, float, int]]:
    tmp = tempfile.mkdtemp(prefix="trainer-bench-")
    database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    login, password = seed(database_url, people)
    with gunicorn(database_url, args.workers) as port:
        # Cookies marked Secure in production mode are still sent back by this client.
        queries = query_counts(database_url, login, password)
        rows, bare = [], None
        for name, path in PAGES:
            drive(port, login, password, path, 1.0, args.concurrency)  # warm up
            rate = drive(port, login, password, path, args.seconds, args.concurrency)
            bare = bare or rate
            rows.append((name, rate, bare / rate, queries[name]))
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--people", default="100,5000", help="comma-separated data sizes")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    backend = (args.database_url or "sqlite").split(":", 1)[0]
    lines = [f"# Benchmark {datetime.now():%Y-%m-%d %H:%M} ({backend}, {args.workers} gunicorn workers, "
             f"{args.concurrency} clients, {args.seconds:.0f}s per endpoint)", ""]
    lines += ["| people | page | requests/s | ratio to bare | SQL queries |", "| ---: | --- | ---: | ---: | ---: |"]
    for people in [int(n) for n in args.people.split(",")]:
        for name, rate, ratio, queries in run_size(people, args):
            lines.append(f"| {people} | {name} | {rate:.0f} | {ratio:.1f}x | {queries} |")
    save_report("\n".join(lines), f"pages-{backend}")


if __name__ == "__main__":
    main()
