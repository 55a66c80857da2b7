"""Shared by the benchmarks: a gunicorn server on 127.0.0.1 and the report file."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int):
    """Serve the app in production mode on a free loopback port; yields the port."""
    port = free_port()
    keys = Path(tempfile.mkdtemp(prefix="trainer-bench-keys-"))
    from trainer.certification.pdf_signing import _write_self_signed
    from trainer import signing

    signing.write_private_key(keys / "ledger.pem")  # production refuses to start without these files
    _write_self_signed(keys / "pdf-key.pem", keys / "pdf-cert.pem", "Bench bank")
    env = {**os.environ, "TRAINER_DATABASE_URL": database_url, "TRAINER_SECRET_KEY": "bench-" + "x" * 40,
           "TRAINER_ENV": "production", "TRAINER_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
           "TRAINER_LEDGER_SIGNING_KEY_FILE": str(keys / "ledger.pem"),
           "TRAINER_PDF_SIGNING_KEY_FILE": str(keys / "pdf-key.pem"),
           "TRAINER_PDF_SIGNING_CERT_FILE": str(keys / "pdf-cert.pem")}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "trainer:create_app()"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def save_report(report: str, name: str) -> None:
    """Print the Markdown report and keep a copy in bench/results/."""
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{datetime.now():%Y%m%d-%H%M%S}-{name}.md").write_text(report + "\n", encoding="utf-8")
