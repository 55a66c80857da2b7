"""The `trainer` console command works without FLASK_APP and explains a bad setting."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _trainer(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    # The installed entry point, run from another directory, as an administrator would.
    return subprocess.run([str(BIN / "trainer"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
            "TRAINER_DATABASE_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}", **extra}


def test_every_maintenance_command_is_at_the_top_level(tmp_path):
    result = _trainer("--help", env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("init-db", "create-admin", "import-staff", "import-loans", "check-content", "db"):
        assert command in result.stdout


def test_init_db_runs_outside_the_project_directory(tmp_path):
    result = _trainer("init-db", env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "latest schema" in result.stdout
    assert (tmp_path / "console.sqlite3").exists()


def test_production_without_a_secret_key_says_what_to_set(tmp_path):
    result = _trainer("init-db", env=_env(tmp_path, TRAINER_ENV="production"), cwd=tmp_path)
    assert result.returncode == 1
    assert "TRAINER_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_is_listed_in_the_readme(app):
    """An administrator finds each `trainer` command in the README's table."""
    import re

    from trainer.cli import trainer_cli

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    listed = set(re.findall(r"^\| `([a-z][a-z-]+)", readme, flags=re.M)) | set(re.findall(r", `([a-z][a-z-]+)`", readme))
    assert set(trainer_cli.commands) - listed == set()
