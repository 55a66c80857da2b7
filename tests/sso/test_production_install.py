"""The README's production path, followed as written on a scratch PostgreSQL database: two roles,
keys, `trainer init-db`, `grant-app-role`, `sync-content`, `create-admin`, `import-staff`,
`send-invitations`, gunicorn in production mode behind a (simulated) TLS proxy, and one imported
staff member logging in through the test OpenID Connect provider."""
from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.nodes import BIN, Browser, gunicorn

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="the production path runs on PostgreSQL (TRAINER_TEST_DATABASE_URL)")]


class BehindTlsProxy(Browser):
    """The browser talks HTTPS to the proxy, so it sends the app's Secure cookies back; the test talks
    to gunicorn directly, saying `X-Forwarded-Proto: https` as the proxy would."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


@pytest.fixture
def database(tmp_path):
    """Roles and database as docs/deployment.md step 2 creates them (names made unique for the test)."""
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, name = f"trainer_owner_{suffix}", f"trainer_app_{suffix}", f"trainer_prod_{suffix}"
    owner_pw, app_pw = secrets.token_hex(8), secrets.token_hex(8)
    admin_url = make_url(PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN PASSWORD '{owner_pw}'"))
        conn.execute(text(f"CREATE ROLE {app_role} LOGIN PASSWORD '{app_pw}'"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))
    in_db = create_engine(admin_url.set(database=name), isolation_level="AUTOCOMMIT")
    with in_db.connect() as conn:
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        conn.execute(text(f"ALTER SCHEMA public OWNER TO {owner}"))
    in_db.dispose()
    host = f"{admin_url.host or '127.0.0.1'}:{admin_url.port or 5432}"
    try:
        yield {"owner_url": f"postgresql+psycopg://{owner}:{owner_pw}@{host}/{name}",
               "app_url": f"postgresql+psycopg://{app_role}:{app_pw}@{host}/{name}", "app_role": app_role}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {app_role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()


def _behind_the_proxy(url: str) -> Browser:
    browser = BehindTlsProxy(url)
    browser.headers["X-Forwarded-Proto"] = "https"
    # Over HTTPS a form post must come from this site's pages (Flask-WTF's strict referrer check).
    browser.headers["Referer"] = "https://" + url.removeprefix("http://") + "/login"
    return browser


def _trainer(env: dict, cwd, *args: str) -> str:
    """`.venv/bin/trainer …` from another directory, without FLASK_APP, as the README says."""
    done = subprocess.run([str(BIN / "trainer"), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith(("TRAINER_", "FLASK_"))},
                               **env})
    assert done.returncode == 0, f"trainer {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_production_path_as_written(database, oidc_provider, tmp_path):
    etc, var = tmp_path / "etc", tmp_path / "var"
    etc.mkdir()
    key = etc / "ledger-signing-key.pem"
    _trainer({}, tmp_path, "ledger-keygen", str(key))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
                    "/CN=Bank trial", "-keyout", str(etc / "pdf-key.pem"), "-out", str(etc / "pdf-cert.pem")],
                   check=True, capture_output=True)
    env = {"TRAINER_ENV": "production", "TRAINER_SECRET_KEY": secrets.token_hex(32),
           "TRAINER_LEDGER_SIGNING_KEY_FILE": str(key), "TRAINER_INSTANCE_DIR": str(var),
           "TRAINER_PDF_SIGNING_KEY_FILE": str(etc / "pdf-key.pem"),
           "TRAINER_PDF_SIGNING_CERT_FILE": str(etc / "pdf-cert.pem"),
           "TRAINER_OIDC_ISSUER": oidc_provider.url, "TRAINER_OIDC_CLIENT_ID": "trainer",
           "TRAINER_OIDC_CLIENT_SECRET_FILE": str(etc / "oidc-client-secret"),
           "TRAINER_OIDC_EMPLOYEE_NO_CLAIM": "employee_number", "TRAINER_TRUSTED_PROXIES": "1",
           "TRAINER_SMTP_HOST": "127.0.0.1", "TRAINER_SMTP_PORT": "9"}
    (etc / "oidc-client-secret").write_text("client-secret\n")
    owner = {**env, "TRAINER_DATABASE_URL": database["owner_url"]}

    # Step 4, as the owner.
    assert "latest schema" in _trainer(owner, tmp_path, "init-db")
    _trainer(owner, tmp_path, "grant-app-role", database["app_role"])
    _trainer(owner, tmp_path, "sync-content")
    _trainer(owner, tmp_path, "create-admin", "--employee-no", "A1", "--email", "you@bank.example",
             "--name", "Your Name", "--department", "HQ", "--password", "first-admin-pass-1")

    # The app's own role from here on: importing staff and inviting them.
    app = {**env, "TRAINER_DATABASE_URL": database["app_url"]}
    staff = tmp_path / "staff.csv"
    staff.write_text("employee_no,full_name,email,department_code,language\n"
                     "E10001,Ana García,ana.garcia@bank.example,HQ,es\n"
                     "E10002,Ben Smith,ben.smith@bank.example,HQ,en\n")
    assert "2 created" in _trainer(app, tmp_path, "import-staff", str(staff))
    assert "2 invitation(s) queued" in _trainer(app, tmp_path, "send-invitations")

    with gunicorn(app, log_dir=tmp_path, name="production") as url:
        browser = _behind_the_proxy(url)
        login_page = browser.page("/login")
        assert login_page.status_code == 200 and "/login/sso" in login_page.text

        oidc_provider.set_person("ben-at-idp", employee_number="e10002", email="ben@idp.example")
        to_provider = browser.page("/login/sso")
        assert to_provider.status_code == 302 and to_provider.headers["Location"].startswith(oidc_provider.url)
        assert "redirect_uri=https%3A%2F%2F" in to_provider.headers["Location"]  # the proxy's scheme
        answer = requests.post(to_provider.headers["Location"], data={"sub": "ben-at-idp"}, allow_redirects=False,
                               timeout=30)
        back = urlsplit(answer.headers["Location"])
        assert back.scheme == "https"
        logged_in = browser.page(f"{back.path}?{back.query}")
        assert logged_in.status_code == 302 and logged_in.headers["Location"].endswith("/dashboard")
        dashboard = browser.page("/dashboard")
        assert dashboard.status_code == 200 and "Ben Smith" in dashboard.text

        admin = _behind_the_proxy(url)
        assert admin.submit("/login", {"login": "A1", "password": "first-admin-pass-1"}).status_code == 302
        assert "Your Name" in admin.page("/dashboard").text
