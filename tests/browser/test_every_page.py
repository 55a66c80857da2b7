"""Each role's main pages, in Spanish and English, on a phone (390 px) and a laptop
(1366 px): no page is wider than the window and axe-core finds nothing serious or
critical. One server with the demo data per database, one browser for the module."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser import tour
from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import BACKENDS, TEST_CONFIG
from trainer import create_app
from trainer.extensions import db


@pytest.fixture(scope="module", params=BACKENDS)
def demo_server(request, demo_database):
    app = create_app({
        "TESTING": False, "SECRET_KEY": "browser-test-key", "SQLALCHEMY_DATABASE_URI": demo_database(request.param),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # the demo copy was signed with the run's ledger key
        "LEDGER_SIGNING_KEY": TEST_CONFIG["LEDGER_SIGNING_KEY"], "INSTANCE_DIR": TEST_CONFIG["INSTANCE_DIR"],
    })
    urls = tour.detail_urls(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", urls
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe():
    return tour.axe_source()


@pytest.mark.parametrize("role", tour.ROLES, ids=lambda r: r.name)
def test_every_main_page_fits_the_window_and_passes_axe(demo_server, browser, axe, role):
    """Each page is loaded once per language and checked at both widths (the
    window is resized in between, as when a phone turns)."""
    base, urls = demo_server
    context = browser.new_context(locale="es-ES", timezone_id=tour.TIMEZONE,
                                  viewport={"width": tour.WIDTHS[-1], "height": 900})
    context.add_init_script(axe)  # run by the driver on every page, so the pages' CSP does not apply
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    widths = list(tour.WIDTHS)
    try:
        tour.log_in(page, base, role)
        for language in tour.LANGUAGES:
            tour.set_language(page, language)
            for name in role.pages:
                response = page.goto(base + urls[name])
                if response.status != 200:
                    problems.append(f"{role.name} {language} {urls[name]}: HTTP {response.status}")
                    continue
                assert page.locator("html").get_attribute("lang") == language, urls[name]
                widths.reverse()  # start at the width the last page ended with
                for width in widths:
                    where = f"{role.name} {language} {width}px {urls[name]}"
                    if page.viewport_size["width"] != width:
                        page.set_viewport_size({"width": width, "height": 900})
                        tour.settle(page)
                    overflow = tour.horizontal_overflow(page)
                    if overflow > 0:
                        problems.append(f"{where}: {overflow}px wider than the window")
                    problems.extend(f"{where}: {finding}" for finding in tour.serious_violations(page))
        tour.set_language(page, "es")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
