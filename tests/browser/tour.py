"""A tour of every role's main pages, shared by the browser tests
(tests/browser/test_every_page.py) and `make screenshots` (tests/browser/screenshots.py).

The demo data (trainer/demo.py) gives every page something to show."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

WIDTHS = (390, 1366)
LANGUAGES = ("es", "en")
TIMEZONE = "Europe/Madrid"


@dataclass(frozen=True)
class Role:
    name: str
    email: str
    password: str
    pages: tuple[str, ...]  # endpoint names, or "endpoint:detail" resolved by detail_urls()


OFFICER_PAGES = (
    "web.dashboard", "content.index", "content:first_module", "exams.index", "certification.mine",
    "certification:own_certificate", "inspections.mine", "inspections.loan_list", "inspections:loan",
    "inspections.overdue_loans", "ledger.index", "evaluation.index",
)
ROLES = (
    Role("officer", "officer2@demo.bank", "demo-officer-pass", OFFICER_PAGES),
    Role("supervisor", "supervisor@demo.bank", "demo-supervisor-pass", (
        "web.dashboard", "inspections.queue", "inspections:report", "hr.people", "hr:person",
        "hr.certification_matrix", "evaluation.index", "ledger.index", "ledger:entry")),
    Role("hr", "hr@demo.bank", "demo-hr-pass", (
        "web.dashboard", "hr.people", "hr.certification_matrix", "batches.index", "batches:batch",
        "hr.exam_statistics_index", "hr.import_people", "audit_log.index", "evaluation.index")),
    Role("admin", "admin@demo.bank", "demo-admin-pass", (
        "web.dashboard", "admin.users", "admin.departments", "admin.content", "api_admin.tokens")),
)


def detail_urls(app) -> dict[str, str]:
    """One real page of each kind that has an id in its address, from the demo data."""
    from trainer.batches.models import TrainingBatch
    from trainer.certification.models import Certificate
    from trainer.content.models import Module
    from trainer.extensions import db
    from trainer.inspections.models import InspectionReport, Loan
    from trainer.ledger.models import LedgerEntry
    from trainer.models import User

    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.email == "officer2@demo.bank"))
        found = {
            "content:first_module": ("content.module", "slug", db.session.scalar(select(Module.slug).order_by(Module.id))),
            "certification:own_certificate": ("certification.certificate", "certificate_id", db.session.scalar(
                select(Certificate.id).where(Certificate.user_id == officer.id).order_by(Certificate.id))),
            "inspections:loan": ("inspections.loan", "loan_id", db.session.scalar(select(Loan.id).order_by(Loan.id))),
            "inspections:report": ("inspections.report", "report_id", db.session.scalar(
                select(InspectionReport.id).order_by(InspectionReport.id))),
            "hr:person": ("hr.person", "user_id", officer.id),
            "ledger:entry": ("ledger.entry", "entry_id", db.session.scalar(select(LedgerEntry.id).order_by(LedgerEntry.id))),
            "batches:batch": ("batches.batch", "batch_id", db.session.scalar(select(TrainingBatch.id).order_by(TrainingBatch.id))),
        }
        urls = {}
        for key, (endpoint, arg, value) in found.items():
            assert value is not None, f"the demo data has no {key}"
            urls[key] = app.url_for(endpoint, **{arg: value}, _external=False)
        for role in ROLES:
            for page in role.pages:
                if ":" not in page:
                    urls[page] = app.url_for(page, _external=False)
        return urls


def log_in(page, base: str, role: Role) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=login]").fill(role.email)
    page.locator("input[name=password]").fill(role.password)
    page.locator("main form:has(input[name=password]) button").click()
    page.wait_for_url(re.compile(r"/dashboard$"))


def set_language(page, code: str) -> None:
    """Press the language switch (it may sit behind the folded menu on a phone)."""
    with page.expect_navigation():
        page.evaluate("code => document.querySelector(`form[action$='/language'] button[value='${code}']`).click()", code)


def settle(page) -> None:
    """Let the page lay itself out and run its resize handlers (two animation frames)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 or less: none)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


def axe_source() -> str:
    """axe-core as bundled by the axe-playwright-python package (installed by the [test] extra)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each (the page's
    context must have had axe_source() added as an init script)."""
    results = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' +
             (n.failureSummary || '').split('\\n').slice(1, 2).join('')).join(' | ')))""")
    return results
