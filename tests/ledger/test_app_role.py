"""PostgreSQL: the application's own role cannot change or delete ledger rows,
and the application still works under it."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests import factories
from tests.conftest import PG_URL, TEST_CONFIG
from trainer import create_app
from trainer.people.models import Role, User
from trainer.dbroles import app_role_grants
from trainer.extensions import db
from trainer.ledger import services as ledger
from trainer.ledger.verify import verify_ledger

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL roles")


@pytest.fixture
def app_role(postgres_url):
    role = f"trainer_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        for statement in app_role_grants(role):
            conn.execute(text(statement))
    try:
        yield make_url(postgres_url).set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        with owner.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


@pytest.fixture
def owner_app(postgres_url):
    """This test's PostgreSQL database (only: roles are PostgreSQL's), as the schema owner."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_url})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_app_role_appends_but_cannot_rewrite(owner_app, app_role):
    with owner_app.app_context():
        hr = factories.user(Role.HR)
        officer = factories.user()
        ids = hr.id, officer.id
    restricted = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app_role})
    with restricted.app_context(), restricted.test_request_context(headers={"Accept-Language": "en"}):
        hr, officer = db.session.get(User, ids[0]), db.session.get(User, ids[1])
        entry = ledger.log_entry(hr, officer, "outstanding_inspection", 3, "Found a hidden guarantor problem")
        db.session.commit()
        assert verify_ledger().ok
        for statement in (f"UPDATE ledger_entries SET points = 50 WHERE id = {entry.id}",
                          "DELETE FROM ledger_entries", "TRUNCATE ledger_entries CASCADE",
                          "UPDATE ledger_checkpoints SET size = 0"):
            with pytest.raises(ProgrammingError, match="permission denied"):
                db.session.execute(text(statement))
            db.session.rollback()
        # Ordinary tables stay writable: people, and the chain head.
        db.session.get(User, ids[1]).full_name = "Renamed"
        db.session.commit()
        db.engine.dispose()


def test_grants_refuse_a_role_name_that_is_not_an_identifier():
    with pytest.raises(ValueError):
        app_role_grants("app; DROP TABLE users")
