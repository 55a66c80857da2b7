"""Real app nodes for tests: gunicorn processes on free ports, and a browser-like HTTP session."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, log_dir: Path, name: str):
    """`gunicorn 'trainer:create_app()'` on a free port, as deploy/ runs it; yields its base URL."""
    port = free_port()
    log = log_dir / f"gunicorn-{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "trainer:create_app()"],
            cwd=log_dir, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Browser(requests.Session):
    """A person's browser; `on(url)` picks the node the next requests go to (a load balancer)."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.headers["Accept-Language"] = "en"

    def on(self, base: str) -> "Browser":
        self.base = base
        return self

    def page(self, path: str, **kwargs) -> requests.Response:
        return self.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def submit(self, form_path: str, data: dict, *, post_to: str | None = None) -> requests.Response:
        """Open the form (for its CSRF token), then post it, as a person would."""
        page = self.page(form_path)
        assert page.status_code == 200, (form_path, page.status_code)
        return self.post(self.base + (post_to or form_path), data={"csrf_token": csrf_token(page.text), **data},
                         allow_redirects=False, timeout=30)
