"""No input breaks the app: generated values posted to every form and JSON
endpoint, as each demo role, with a real login and a real CSRF token, on
every database the suite runs on. Any 5xx fails.

The crawl starts from the demo data (`make run` shows the same pages): every
GET route is opened with the ids the demo holds, the forms on those pages are
collected (action and field names), and then

- every path id and query parameter gets the hostile values below
  (ids beyond the column range, non-ASCII digits, blanks, unknown codes);
- every form is posted with hypothesis-generated values for its fields
  (control characters, NUL, long and case-fold-growing strings, ...);
- every JSON endpoint gets generated bodies, deep nesting included.

`TRAINER_FUZZ_EXAMPLES` sets how many generated posts each form gets
(`make fuzz` runs many more than the suite's default).
"""
from __future__ import annotations

import json
import os
import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainer.api.scopes import Scope
from trainer.api.services import issue_token
from trainer.people.models import User
from trainer.demo import ACCOUNTS
from trainer.extensions import db

from tests.conftest import ROOT

EXAMPLES = int(os.environ.get("TRAINER_FUZZ_EXAMPLES", "3"))

# Values that broke the app before, one class each (see the module docstring).
HOSTILE_IDS = ["0", "-1", "2147483648", "9223372036854775808", "1" * 40, "²", "١٢", " 1", "1.5", "%00"]
HOSTILE_TEXT = ["", " ", "\t\n", "\x00", "a\x00b", "\x01\x07\x1b", "ß" * 300, "ﬃ" * 200, "x" * 5000,
                "'; DROP TABLE users; --", "<script>alert(1)</script>", "\ud7ff\ue000", "2026-13-45",
                "1e309", "NaN", "-0", "ǅ", "İ" * 100, "\u202e", "../../etc/passwd"]
QUERY_NAMES = sorted({
    *re.findall(r"request\.args\.get(?:list)?\(\s*\"(\w+)\"",
                "\n".join(p.read_text() for p in ROOT.joinpath("trainer").rglob("*.py"))),
    "page", "department", "qualification", "state", "quarter", "q", "person",
})
SKIP_POSTS = {"/logout"}  # ends the session the rest of the crawl needs


def text_values():
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT + HOSTILE_IDS),
        st.text(max_size=300),
        st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str),
        st.dates().map(str),
    )


def json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                        st.floats(allow_nan=False), st.text(max_size=50), st.sampled_from(HOSTILE_TEXT))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                        max_leaves=12)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    """The forms of a page: where they post and which fields they send."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self.links, self._form = page_url, [], set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and (attrs.get("href") or "").startswith("/"):
            self.links.add(attrs["href"].split("#")[0])
        if tag == "form":
            self._form = Form(attrs.get("action") or self.page_url, (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea", "button") and self._form is not None and attrs.get("name"):
            self._form.fields.setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(app, account):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"login": account.email, "password": account.password,
                                           "csrf_token": csrf_of(page)})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], "demo login failed"
    return client


class Failures(list):
    """Every server error of a run, so one run reports all classes at once."""

    def request(self, send, what: str):
        try:
            response = send()
        except Exception as error:  # noqa: BLE001 - TESTING propagates the view's exception: that is the finding
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.append(f"{type(error).__name__} at {frame.filename}:{frame.lineno} for {what}: {error}"[:500])
            return None
        if response.status_code >= 500:
            self.append(f"{response.status_code} for {what}")
        return response

    def check(self):
        classes = {failure.split(" for ")[0] for failure in self}
        assert not self, f"{len(self)} server errors in {len(classes)} places:\n" + "\n".join(
            sorted({failure.split(" for ")[0]: failure for failure in self}.values()))


def crawl(app, client, failures, start="/dashboard", per_endpoint=2):
    """Pages reachable by links from the dashboard (a few per endpoint), with their forms."""
    adapter = app.url_map.bind("localhost")
    seen, queue, forms, endpoints = set(), [start], {}, {}
    while queue:
        url = queue.pop()
        path = urlsplit(url).path
        if url in seen or path.startswith(("/static/", "/logout")):
            continue
        try:
            endpoint, _ = adapter.match(path)
        except Exception:  # noqa: BLE001 - not a route of ours (404/405): nothing to crawl
            continue
        if endpoints.get(endpoint, 0) >= per_endpoint:
            continue
        endpoints[endpoint] = endpoints.get(endpoint, 0) + 1
        seen.add(url)
        response = failures.request(lambda: client.get(url), f"GET {url}")
        if response is None or response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        parser = FormParser(path)
        parser.feed(response.get_data(as_text=True))
        queue.extend(link for link in parser.links if link not in seen)
        for form in parser.forms:
            forms.setdefault((form.method, urlsplit(form.action).path), form)
    return seen, forms


@pytest.fixture
def fuzz_app(demo_app):
    demo_app.config["WTF_CSRF_ENABLED"] = True  # a real token in every post, as a browser sends
    return demo_app


# Admin last: its forms (password resets, deactivation) may lock the others out.
ROLES = ["officer@demo.bank", "supervisor@demo.bank", "hr@demo.bank", "admin@demo.bank"]
PATH_IDS = ["2147483648", "9223372036854775808", "²", "zz"]
QUERY_VALUES = [" ", "²", "2147483648"]


def test_no_generated_input_causes_a_server_error(fuzz_app):
    """Each role in turn on one seeded database (seeding the demo costs more than the requests)."""
    failures = Failures()
    for login in ROLES:
        client = fuzz_as(fuzz_app, next(a for a in ACCOUNTS if a.email == login), failures)
    # Hostile path ids on every route, once, as the admin (who may open the most of them).
    for rule in sorted({r.rule for r in fuzz_app.url_map.iter_rules() if "GET" in r.methods}):
        if "<" not in rule or rule.startswith("/static"):
            continue
        for value in PATH_IDS:
            url = re.sub(r"<[^>]+>", value, rule)
            failures.request(lambda: client.get(url), f"GET {url!r}")
    failures.check()


def fuzz_as(app, account, failures):
    client = sign_in(app, account)
    pages, forms = crawl(app, client, failures)
    assert len(pages) > 5, f"the crawl reached almost nothing as {account.email}: did the login work?"
    token = csrf_of(client.get("/dashboard").get_data(as_text=True))  # one per session, valid for an hour

    # Hostile query parameters on every page the role reached.
    for path in sorted({urlsplit(page).path for page in pages}):
        for value in QUERY_VALUES:
            query = {name: value for name in QUERY_NAMES}
            failures.request(lambda: client.get(path, query_string=query), f"GET {path}?…={value!r}")

    # Generated values in every form the role can see.
    for (method, action), form in sorted(forms.items()):
        if action in SKIP_POSTS or not form.fields:
            continue
        names = sorted(name for name in form.fields if name != "csrf_token")

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(values=st.fixed_dictionaries({name: text_values() for name in names}))
        def post(values):
            data = {**values, "csrf_token": token}
            send = (lambda: client.post(action, data=data)) if method == "post" else (
                lambda: client.get(action, query_string=data))
            failures.request(send, f"{account.email}: {method.upper()} {action} {values!r}"[:300])

        post()
    return client


def test_no_generated_json_causes_a_server_error(fuzz_app):
    demo_app = fuzz_app
    with demo_app.app_context():
        admin = db.session.scalars(db.select(User).filter_by(email="admin@demo.bank")).one()
        _, token = issue_token("fuzz", admin, scopes=tuple(Scope))
        db.session.commit()
    client = demo_app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    endpoints = sorted({(method, rule.rule) for rule in demo_app.url_map.iter_rules()
                        if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}})
    assert endpoints, "no API routes found"
    failures = Failures()

    deep = "[" * 5000 + "]" * 5000
    for method, rule in endpoints:
        url = re.sub(r"<[^>]+>", "1", rule)
        for body in (deep, '{"a":' * 3000 + "1" + "}" * 3000, "\xff\xfe", "{", '"\\u0000"', "null", "1e400"):
            response = failures.request(lambda: client.open(url, method=method, data=body, headers=headers),
                                        f"{method} {url} body {body[:40]!r}")
            if response is not None and response.mimetype != "application/json":
                failures.append(f"{method} {url} answered {response.mimetype} for body {body[:40]!r}")

        @settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(body=json_values(), query=st.dictionaries(st.sampled_from(["employee_no", "qualification", "on",
                                                                          "date", "limit", "cursor"]),
                                                         text_values(), max_size=3))
        def call(body, query):
            failures.request(lambda: client.open(url, method=method, query_string=query, data=json.dumps(body),
                                                 headers=headers), f"{method} {url} {query!r} {body!r}"[:300])

        call()
    failures.check()
