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


def test_migrations_on_an_empty_sqlite_file(tmp_path):
    assert_migrations_match_models(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


@pytest.mark.skipif(not PG_URL, reason="TRAINER_TEST_DATABASE_URL not set")
def test_migrations_on_an_empty_postgresql_database():
    with scratch_postgres_database() as url:
        assert_migrations_match_models(url.render_as_string(hide_password=False))
