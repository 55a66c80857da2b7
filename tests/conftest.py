"""Shared fixtures: an app on a real database (SQLite, and PostgreSQL when
TRAINER_TEST_DATABASE_URL is set), clients, a login helper and a query counter."""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url

from flask.testing import FlaskClient

from trainer import create_app
from trainer.extensions import db
from trainer.signing import generate_pem

PG_URL = os.environ.get("TRAINER_TEST_DATABASE_URL")


@event.listens_for(Engine, "connect")
def _no_fsync_in_tests(dbapi_connection, _record):
    """A test database is thrown away: SQLite need not wait for the disk on each
    commit (the same SQL runs; only durability after a power cut is given up)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,  # tests/test_csrf.py turns it back on
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing; production uses scrypt
    "SERVER_NAME": "localhost",
    "LEDGER_SIGNING_KEY": generate_pem().decode(),  # one key per test run, never a file in instance/
    "INSTANCE_DIR": tempfile.mkdtemp(prefix="trainer-test-instance-"),  # e.g. the PDF signing pair made on first use
}
ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session):
    """Compile the Spanish catalogue if it is missing or stale, so a bare
    `pytest` shows the same pages as `make test`."""
    po = ROOT / "trainer/translations/es/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@contextmanager
def scratch_postgres_database():
    """A new, empty PostgreSQL database; dropped afterwards."""
    admin_url = make_url(PG_URL)
    name = f"trainer_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database():
    """The run's PostgreSQL database (one per test worker) with the schema, and an engine to empty it."""
    import trainer.models  # noqa: F401 - every table, even when the tests run import only some features

    with scratch_postgres_database() as url:
        engine = create_engine(url)
        db.metadata.create_all(engine)
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture
def postgres_url(postgres_database):
    """The run's PostgreSQL database emptied for this test: no rows, every sequence from 1.

    One round trip: DELETE every table with triggers off (replica mode: no foreign-key order to
    follow, and the append-only tables let the rows go), then every sequence set back: about 10 ms,
    where TRUNCATE, which makes new files for every table, took 0.5 s a test, and a copy of a template
    database, which writes the whole catalogue through the WAL, about 1 s under load.
    """
    url, engine = postgres_database
    with engine.begin() as conn:
        conn.exec_driver_sql(_emptying_statements())
    return url.render_as_string(hide_password=False)


def _emptying_statements() -> str:
    deletes = "".join(f'DELETE FROM "{table.name}";' for table in reversed(db.metadata.sorted_tables))
    return ("SET LOCAL session_replication_role = replica;" + deletes
            + "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
              "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public';")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """The schema built once per run; each test gets a copy of the file
    (creating every table and trigger anew cost more than most tests)."""
    import trainer.models  # noqa: F401 - every table

    path = tmp_path_factory.mktemp("sqlite-template") / "schema.sqlite3"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """Each test starts on an empty database with the schema: a copy of the schema's file on SQLite, the
    run's database emptied on PostgreSQL. Nothing a test writes is seen by another."""
    if request.param == "sqlite":
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory, sqlite_template):
    """`demo_database(backend)`: the URL of a new database holding what `make run`
    seeds (content and demo data), copied from one seeded once per run and backend:
    seeding the demo through the real services costs more than the tests that read it."""
    templates: dict[str, str] = {}
    cleanup = []

    def seeded(url: str) -> None:
        from trainer.demo import seed_demo

        seeding = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with seeding.app_context():
            db.create_all()
            from tests import factories

            factories.load_content()
            seed_demo()
            db.session.remove()
            db.engine.dispose()

    def new_copy(backend: str) -> str:
        if backend == "sqlite":
            if "sqlite" not in templates:
                path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite3"
                shutil.copyfile(sqlite_template, path)
                seeded(f"sqlite:///{path}")
                templates["sqlite"] = str(path)
            target = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
            shutil.copyfile(templates["sqlite"], target)
            return f"sqlite:///{target}"
        admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if "postgresql" not in templates:
                name = f"trainer_demo_{uuid.uuid4().hex[:10]}"
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                cleanup.append(name)
                seeded(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
                templates["postgresql"] = name
            copy = f"trainer_test_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{templates["postgresql"]}"'))
            cleanup.append(copy)
        admin.dispose()
        return make_url(PG_URL).set(database=copy).render_as_string(hide_password=False)

    yield new_copy
    if PG_URL and cleanup:
        admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in reversed(cleanup):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def demo_app(request, demo_database):
    """An app on a fresh copy of the demo database (see demo_database)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": demo_database(request.param)})
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Without this, a request made while the test holds an app context (the
    `ctx` fixture) would share that context's `g` and database session, and
    a logged-out client could look logged in.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # read and close file responses at once
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_settings():
    """Settings a test folder adds on top of TEST_CONFIG (override it in that folder's conftest)."""
    return {}


@pytest.fixture
def app(database_url, app_settings):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **app_settings})
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context, for calling services directly (messages in English)."""
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    """A browser that prefers English, so assertions read like the source strings.
    (tests/test_i18n.py checks the Spanish default with a client without this.)"""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """`login(person_or_email)`: the client signs in (see factories.sign_in)."""
    from tests import factories

    return lambda user_or_login, password=factories.PASSWORD: factories.sign_in(client, user_or_login, password)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `len(queries)`."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "after_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "after_cursor_execute", record)

    return counting
