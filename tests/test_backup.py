"""Backups taken with `trainer backup`, restored as the deployment guide says:
verify-ledger against the newest exported checkpoint names what the backup lacks."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_CONFIG, scratch_postgres_database
from tests.ledger.conftest import org as org  # noqa: F401 - the people the ledger entries are about
from tests.ledger.test_chain import chain_of
from trainer import create_app
from trainer.extensions import db


def test_a_restored_older_backup_is_found_against_the_newest_checkpoint(app, org, runner, tmp_path):  # noqa: F811
    chain_of(org, 3)
    made = runner.invoke(args=["trainer", "checkpoint"])
    assert made.exit_code == 0, made.output
    backup = tmp_path / ("old.sqlite3" if db.engine.dialect.name == "sqlite" else "old.pgdump")
    taken = runner.invoke(args=["trainer", "backup", str(backup)])
    assert taken.exit_code == 0, taken.output
    assert backup.stat().st_size > 0 and (tmp_path / f"{backup.name}.checkpoint.json").exists()
    assert runner.invoke(args=["trainer", "backup", str(backup)]).exit_code != 0  # never overwrites

    chain_of(org, 2)
    newest = tmp_path / "newest.json"
    assert runner.invoke(args=["trainer", "checkpoint", "--export", str(newest)]).exit_code == 0

    with _restored(app, backup) as restored, restored.app_context():  # commands run on the restored copy
        run = restored.test_cli_runner()
        alone = run.invoke(args=["trainer", "verify-ledger"])
        assert alone.exit_code == 0, alone.output  # consistent with itself...
        against = run.invoke(args=["trainer", "verify-ledger", "--checkpoint", str(newest)])
        assert against.exit_code == 1  # ...but not with what was exported since
        assert "entries 4 to 5 are missing" in against.output and "restored from an older backup" in against.output


class _restored:
    """The backup restored into a new database, and an app on it."""

    def __init__(self, app, backup):
        self.url, self.backup, self.cleanup = app.config["SQLALCHEMY_DATABASE_URI"], backup, None

    def __enter__(self):
        if self.url.startswith("sqlite"):
            target = self.backup.with_name("restored.sqlite3")
            shutil.copyfile(self.backup, target)
            url = f"sqlite:///{target}"
        else:
            self.cleanup = scratch_postgres_database()
            url = self.cleanup.__enter__()
            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            done = subprocess.run(["pg_restore", "--no-owner", "--dbname", plain, str(self.backup)],
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            url = url.render_as_string(hide_password=False)
        self.app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        return self.app

    def __exit__(self, *exc):
        with self.app.app_context():
            db.engine.dispose()
        if self.cleanup is not None:
            self.cleanup.__exit__(*exc)
