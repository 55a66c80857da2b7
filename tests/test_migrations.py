"""The Alembic migrations build exactly the schema the models describe."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from trainer import create_app
from trainer.extensions import db

from tests.conftest import PG_URL, scratch_postgres_database


def assert_migrations_match_models(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["trainer", "init-db"])
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    engine.dispose()
    assert diff == []
    again = runner.invoke(args=["trainer", "init-db"])  # upgrading an up-to-date database is a no-op
    assert again.exit_code == 0
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="TRAINER_TEST_DATABASE_URL not set"))])
def empty_database_url(request, tmp_path):
    """A new, empty database of each kind (PostgreSQL: a scratch database, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        with scratch_postgres_database() as url:
            yield url.render_as_string(hide_password=False)


def test_migrations_on_an_empty_database(empty_database_url):
    assert_migrations_match_models(empty_database_url)


def test_the_upgrade_reseals_an_existing_ledger_and_makes_it_append_only(tmp_path):
    """A ledger written before signatures is checked under the old rule, rehashed, signed and protected."""
    import hashlib
    import json
    from datetime import datetime, timezone

    from flask_migrate import upgrade
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from types import SimpleNamespace

    from tests.conftest import TEST_CONFIG
    from trainer.ledger.verify import verify_ledger

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision="21e9e469af06")  # the schema before this version
        # People as that schema held them (today's models have columns it lacks).
        db.session.execute(text("INSERT INTO departments (id, code, name, active, created_at) "
                                "VALUES (1, 'D1', 'Department 1', 1, '2026-05-01 09:00:00')"))
        for user_id in (1, 2):
            db.session.execute(text(
                "INSERT INTO users (id, employee_no, email, full_name, department_id, password_hash, "
                "must_change_password, session_version, active, locale, created_at) VALUES (:id, :no, :email, "
                ":name, 1, 'x', 0, 1, 1, NULL, '2026-05-01 09:00:00')"),
                {"id": user_id, "no": f"E{user_id}", "email": f"p{user_id}@bank.example", "name": f"Person {user_id}"})
        hr = SimpleNamespace(id=1, department_id=1)
        person = SimpleNamespace(id=2, department_id=1)
        prev = "0" * 64
        for seq, (kind, points, reverses) in enumerate([("reward", 3, None), ("reversal", -3, 1)], start=1):
            row = {"seq": seq, "person_id": person.id, "department_id": person.department_id,
                   "category": "outstanding_inspection", "kind": kind, "severity": "minor", "points": points,
                   "reason": f"entry {seq}", "logged_by_id": hr.id, "inspection_id": None, "reverses_id": reverses,
                   "created_at": datetime(2026, 5, seq, 9, tzinfo=timezone.utc), "prev_hash": prev}
            payload = {**row, "created_at": row["created_at"].isoformat(timespec="microseconds")}
            row["hash"] = prev = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"))
                                                .encode()).hexdigest()
            db.session.execute(text("INSERT INTO ledger_entries (id, seq, person_id, department_id, category, kind, "
                                    "severity, points, reason, logged_by_id, inspection_id, reverses_id, created_at, "
                                    "prev_hash, hash) VALUES (:seq, :seq, :person_id, :department_id, :category, :kind, "
                                    ":severity, :points, :reason, :logged_by_id, :inspection_id, :reverses_id, "
                                    ":created_at, :prev_hash, :hash)"), row)
        db.session.execute(text("INSERT INTO ledger_head (id, seq, hash) VALUES (1, 2, :h)"), {"h": prev})
        db.session.commit()
        upgrade()
        db.session.remove()
        result = verify_ledger(full=True)
        assert result.ok and result.size == 2, result
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE ledger_entries SET points = 9"))
        db.session.rollback()
        db.engine.dispose()


def test_rereading_causes_are_backfilled(empty_database_url):
    """Assignments written before they named their cause get it from the suspension recorded with them."""
    url = empty_database_url
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from tests import factories
    from tests.conftest import TEST_CONFIG
    from trainer.certification.services import suspend
    from trainer.certification.models import CertificationEvent
    from trainer.content.models import Module, ReadAssignment

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        factories.load_content()
        hr, person, other = factories.user("hr"), factories.user(), factories.user()
        factories.certify(person)
        factories.certify(other)
        suspend(person, "inspector", hr, "sanction under review")
        db.session.commit()
        db.session.add(ReadAssignment(user_id=other.id, module_id=db.session.scalar(select(Module.id).limit(1)),
                                      reason="asked by HR"))  # no qualification ended with it: no cause
        db.session.commit()
        suspension = db.session.scalar(select(CertificationEvent.id).where(CertificationEvent.user_id == person.id))
        written = dict(db.session.execute(select(ReadAssignment.id, ReadAssignment.cause)).all())
        assert sorted(written.values(), key=str) == [None] + [f"certification_event:{suspension}"] * (len(written) - 1)
        db.session.remove()
        downgrade(revision="004f2f2bd0c9")  # the schema before causes: they are gone
        upgrade()
        db.session.remove()
        assert dict(db.session.execute(select(ReadAssignment.id, ReadAssignment.cause)).all()) == written
        db.session.remove()  # give the connection back, so dispose closes it before the database is dropped
        db.engine.dispose()
