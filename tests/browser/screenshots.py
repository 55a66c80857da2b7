"""`make screenshots`: the demo app on a scratch SQLite database, and a full-page
PNG of each role's main pages per language and width, for people to review.

    python -m tests.browser.screenshots [OUTPUT_DIR]   (default build/screenshots)

Files are OUTPUT_DIR/<role>/<language>-<width>-<page>.png. Uses Debian's Chromium."""
from __future__ import annotations

import logging
import re
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from tests.browser import tour
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS


def demo_app(database: Path):
    from trainer import create_app
    from trainer.demo import seed_demo
    from trainer.extensions import db
    from trainer.library import read_all, sync_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "INSTANCE_DIR": str(database.parent),
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        sync_all(read_all())
        seed_demo()
    return app


def file_name(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "build/screenshots")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="trainer-screenshots-") as scratch:
        app = demo_app(Path(scratch) / "demo.sqlite3")
        urls = tour.detail_urls(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        from playwright.sync_api import sync_playwright

        count = 0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role in tour.ROLES:
                folder = out / role.name
                folder.mkdir(parents=True, exist_ok=True)
                context = browser.new_context(locale="es-ES", timezone_id=tour.TIMEZONE,
                                              viewport={"width": tour.WIDTHS[-1], "height": 900})
                page = context.new_page()
                tour.log_in(page, base, role)
                for language in tour.LANGUAGES:
                    tour.set_language(page, language)
                    for width in tour.WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        for name in role.pages:
                            page.goto(base + urls[name])
                            target = folder / f"{language}-{width}-{file_name(urls[name])}.png"
                            page.screenshot(path=str(target), full_page=True)
                            count += 1
                tour.set_language(page, "es")
                context.close()
            browser.close()
        server.shutdown()
    print(f"{count} screenshots in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
