"""Every role's pages in Spanish read as Spanish: no raw codes, no ISO dates or
times, no "UTC", no English interface words, no decimal points.

Each demo role logs in (a real session, the demo data of `make run`) and follows
the links of its pages from the dashboard, as a person would, opening up to a
few pages of each kind (the same path with another id is the same template).
"""
from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

from tests import factories
from tests.page_words import problems

ROLES = {  # demo accounts (trainer/demo.py), all Spanish-speaking
    "officer": ("officer2@demo.bank", "demo-officer-pass"),
    "new officer": ("officer@demo.bank", "demo-officer-pass"),
    "supervisor": ("supervisor@demo.bank", "demo-supervisor-pass"),
    "hr": ("hr@demo.bank", "demo-hr-pass"),
    "admin": ("admin@demo.bank", "demo-admin-pass"),
}
NOT_FOLLOWED = re.compile(r"^/(static|api|logout|language)\b|\.(csv|xlsx|svg|pdf|json|png)$|/(export|csv|xlsx|chart|file|badge)")
PER_KIND = 1  # pages of one kind (path with the ids blanked) per role
ACROSS_ROLES = 2  # and in all: a later role skips a kind two roles have read
MAX_PAGES = 60
HREF = re.compile(r"""<a\b[^>]*\bhref="([^"#]+)""")


def _kind(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _codes(app) -> set[str]:
    """Codes without an underscore that must not show either: audit and history kinds, role codes."""
    from trainer.audit_log.services import KIND_LABELS
    from trainer.certification.models import EventKind

    with app.app_context():
        return set(KIND_LABELS) | {f"certification.{k.value}" for k in EventKind} | {"staff", "hr", "admin"}


def crawl(client, start: str = "/dashboard", read_before: Counter | None = None) -> dict[str, str]:
    """path → HTML of every page reached by links (GET, HTML only). `read_before`
    counts the kinds earlier roles read; it is updated."""
    seen_kinds: Counter[str] = Counter()
    read_before = Counter() if read_before is None else read_before
    pages, queue, queued = {}, deque([start]), {start}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for href in HREF.findall(html):
            href = href.replace("&amp;", "&")
            target = urlsplit(urljoin(url, href))
            if target.netloc and target.netloc != "localhost":
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link in queued or NOT_FOLLOWED.search(target.path):
                continue
            kind = _kind(target.path) + ("?" if target.query else "")
            if seen_kinds[kind] >= PER_KIND or read_before[kind] >= ACROSS_ROLES:
                continue
            seen_kinds[kind] += 1
            read_before[kind] += 1
            queued.add(link)
            queue.append(link)
    return pages


def test_every_role_reads_spanish_pages_without_codes_iso_dates_or_english(demo_app):
    app = demo_app
    codes = _codes(app)
    found, opened, read = {}, 0, Counter()
    for role, (email, password) in ROLES.items():
        client = app.test_client()  # no Accept-Language: the Spanish default, and the people's saved choice
        response = client.post("/login", data={"login": email, "password": password})
        assert response.status_code == 302, (role, response.get_data(as_text=True)[:300])
        pages = crawl(client, read_before=read)
        opened += len(pages)
        assert len(pages) >= 5, (role, sorted(pages))
        for url, html in pages.items():
            assert '<html lang="es">' in html, (role, url)
            for problem in problems(html, "es", codes):
                found.setdefault(f"{role} {url}", []).append(problem)
    assert found == {}, "\n".join(f"{page}: {p}" for page, ps in found.items() for p in ps)
    assert opened >= 50


def test_the_scanner_finds_what_it_is_for():
    html = """<html lang="es"><body><p>Vigente hasta 2026-12-02 a las 14:30 UTC</p>
      <span title="Save">x</span><td>working_capital</td><p>87.5 puntos</p>
      <code>employee_no</code><button lang="en">English</button><p>2 dic 2026, 15:30 · 87,5 · 1.500.000,00</p></body></html>"""
    found = problems(html, "es")
    assert any("ISO date" in p for p in found) and any("UTC" in p for p in found)
    assert any("'Save'" in p for p in found) and any("'working_capital'" in p for p in found)
    assert any("decimal point '87.5'" in p for p in found)
    assert not any("employee_no" in p or "'English'" in p or "1.500" in p or "2 dic" in p for p in found)
    assert len(found) == 5, found


def test_an_address_shown_on_a_page_is_not_read_as_words():
    """A verification link's random token ('q_4s-…') is an address to copy, not a raw code."""
    from tests.page_words import problems

    assert problems("<p>Verificar en http://localhost/verify/q_4s-gpLf3HgzMwJi2LEZOUu</p>") == []
    assert problems("<p>Estado: not_started</p>") != []  # a code outside an address still counts
