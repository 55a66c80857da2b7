"""Page throughput as a ratio to a bare endpoint on the same server, with query counts.

Starts gunicorn on 127.0.0.1 against a fresh database filled with demo data,
logs in as a reader, and drives each endpoint with client threads for a fixed
time, counting responses that are not 2xx. See bench/README.md.
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402
from bench.data import seed  # noqa: E402
from bench.server import gunicorn, save_report  # noqa: E402

PAGES = [  # (name, path, who): "anonymous" sends no cookie, so the bare endpoint is truly bare
    ("bare /healthz", "/healthz", "anonymous"),
    ("dashboard", "/dashboard", "reader"),
    ("module list", "/modules/", "reader"),
    ("module section", "/modules/inspection-areas/2", "reader"),
    ("people list (HR)", "/people/", "reader"),
    ("HR matrix, first page", "/people/matrix", "reader"),
    ("eligibility API, one person", "/api/v1/eligibility/B000001", "token"),
    ("eligibility API, batch of 100", "/api/v1/eligibility:batch", "token"),
]
BATCH = [f"B{i:06d}" for i in range(1, 101)]


class Session:
    """A client over one keep-alive connection: logged in (`login` given), or anonymous."""

    def __init__(self, port: int, login: str | None = None, password: str | None = None,
                 headers: dict | None = None):
        self.port, self.cookies, self.headers = port, {}, dict(headers or {})
        self.status = 0
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if login is not None:
            page = self.request("GET", "/login")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            body = f"csrf_token={token}&login={login}&password={password}"
            self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None,
                strict: bool = True) -> str:
        """The response body; the status is in `self.status`. `strict`: raise on 4xx/5xx (set up),
        else the caller counts them (measured requests)."""
        headers = {**self.headers, **(headers or {})}
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
        self.status = response.status
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if strict and response.status >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status}")
        return data


@dataclass
class Result:
    rate: float  # requests per second, all clients together
    p50_ms: float
    p90_ms: float
    requests: int
    unexpected: int  # responses whose status was not the expected one (counted, never retried)


def measure(clients: int, work, seconds: float, expected=(200,)) -> Result:
    """Run `work(i, n)` in `clients` threads for `seconds`: it returns the response's status,
    or None when it has nothing left to send."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    unexpected = [0] * clients
    stop = time.monotonic() + seconds

    def loop(i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            began = time.perf_counter()
            status = work(i, n)
            if status is None:
                return
            latencies[i].append(time.perf_counter() - began)
            if status not in expected:
                unexpected[i] += 1
            n += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    every = sorted(x for times in latencies for x in times)
    if not every:
        return Result(0.0, 0.0, 0.0, 0, sum(unexpected))
    return Result(len(every) / elapsed, every[len(every) // 2] * 1000, every[int(len(every) * 0.9)] * 1000,
                  len(every), sum(unexpected))


def drive(port: int, login: str | None, password: str | None, path: str, seconds: float, concurrency: int,
          method: str = "GET", body: str | None = None, headers: dict | None = None) -> Result:
    sessions = [Session(port, login, password, headers) for _ in range(concurrency)]

    def work(i: int, n: int) -> int:
        sessions[i].request(method, path, body, strict=False)
        return sessions[i].status

    return measure(concurrency, work, seconds)


def _request_of(path: str, who: str, login: str, password: str, token: str):
    """(login, password, method, body, headers) for one row of PAGES."""
    if who == "anonymous":
        return None, None, "GET", None, {}
    if who == "token":
        headers = {"Authorization": f"Bearer {token}"}
        if path.endswith(":batch"):
            return None, None, "POST", json.dumps({"employee_nos": BATCH}), {**headers, "Content-Type": "application/json"}
        return None, None, "GET", None, headers
    return login, password, "GET", None, {}


def query_counts(database_url: str, login: str, password: str, token: str) -> dict[str, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    reader = app.test_client()
    reader.post("/login", data={"login": login, "password": password})
    counts = {}
    with app.app_context():
        engine = db.engine
    for name, path, who in PAGES:
        _login, _password, method, body, headers = _request_of(path, who, login, password, token)
        client = reader if who == "reader" else app.test_client()
        statements: list[str] = []

        def record(*args, _s=statements):
            _s.append(args[2])

        client.open(path, method=method, data=body, headers=headers)  # what a process keeps is read once
        event.listen(engine, "after_cursor_execute", record)
        client.open(path, method=method, data=body, headers=headers)
        event.remove(engine, "after_cursor_execute", record)
        counts[name] = len(statements)
    return counts


def run_size(people: int, args) -> list[tuple[str, Result, Result, int]]:
    tmp = tempfile.mkdtemp(prefix="trainer-bench-")
    database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    login, password = seed(database_url, people)
    token = api_token(database_url)
    with gunicorn(database_url, args.workers) as port:
        # Cookies marked Secure in production mode are still sent back by this client.
        queries = query_counts(database_url, login, password, token)
        rows, bare = [], None
        for name, path, who in PAGES:
            who_login, who_password, method, body, headers = _request_of(path, who, login, password, token)
            drive(port, who_login, who_password, path, 1.0, args.concurrency, method, body, headers)  # warm up
            result = drive(port, who_login, who_password, path, args.seconds, args.concurrency, method, body, headers)
            bare = bare or result
            rows.append((name, result, bare, queries[name]))
        return rows


def api_token(database_url: str) -> str:
    from trainer.api.services import issue_token
    from trainer.people.models import User
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        admin = db.session.scalar(db.select(User).order_by(User.id))
        plaintext = issue_token("bench", admin)[1]
        db.session.commit()  # services leave committing to their caller (trainer/transactions.py)
        return plaintext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--people", default="100,5000", help="comma-separated data sizes")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    backend = (args.database_url or "sqlite").split(":", 1)[0]
    lines = [f"# Benchmark {datetime.now():%Y-%m-%d %H:%M} ({backend}, {args.workers} gunicorn workers, "
             f"{args.concurrency} clients, {args.seconds:.0f}s per endpoint)", ""]
    lines += ["| people | page | requests/s | throughput vs bare | p50 ms | p50 vs bare | p90 ms | non-2xx | SQL queries |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for people in [int(n) for n in args.people.split(",")]:
        for name, r, bare, queries in run_size(people, args):
            lines.append(f"| {people} | {name} | {r.rate:.0f} | {r.rate / bare.rate:.2f}x | {r.p50_ms:.1f} | "
                         f"{r.p50_ms / bare.p50_ms:.1f}x | {r.p90_ms:.1f} | {r.unexpected}/{r.requests} | {queries} |")
    save_report("\n".join(lines), f"pages-{backend}")


if __name__ == "__main__":
    main()
