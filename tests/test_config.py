import pytest

from trainer import create_app
from trainer.config import DEV_SECRET_KEY, ConfigurationError


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("TRAINER_ENV", "production")
    monkeypatch.setenv("TRAINER_LEDGER_SIGNING_KEY_FILE", "/etc/trainer/ledger.pem")
    monkeypatch.delenv("TRAINER_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="TRAINER_SECRET_KEY"):
        create_app()


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("TRAINER_ENV", "production")
    monkeypatch.setenv("TRAINER_LEDGER_SIGNING_KEY_FILE", "/etc/trainer/ledger.pem")
    monkeypatch.setenv("TRAINER_SECRET_KEY", "short")
    with pytest.raises(RuntimeError):
        create_app()


def test_production_refuses_to_start_without_the_ledger_signing_key(monkeypatch):
    monkeypatch.setenv("TRAINER_ENV", "production")
    monkeypatch.setenv("TRAINER_SECRET_KEY", "x" * 64)
    monkeypatch.delenv("TRAINER_LEDGER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("TRAINER_LEDGER_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(ConfigurationError, match="TRAINER_LEDGER_SIGNING_KEY_FILE"):
        create_app()


def test_production_refuses_to_start_without_the_pdf_signing_pair(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAINER_ENV", "production")
    monkeypatch.setenv("TRAINER_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("TRAINER_LEDGER_SIGNING_KEY_FILE", str(tmp_path / "ledger.pem"))
    monkeypatch.delenv("TRAINER_PDF_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(ConfigurationError, match="TRAINER_PDF_SIGNING_KEY_FILE"):
        create_app()


def test_production_starts_with_a_real_key_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAINER_ENV", "production")
    monkeypatch.setenv("TRAINER_LEDGER_SIGNING_KEY_FILE", str(tmp_path / "ledger.pem"))
    monkeypatch.setenv("TRAINER_PDF_SIGNING_KEY_FILE", str(tmp_path / "pdf-key.pem"))
    monkeypatch.setenv("TRAINER_PDF_SIGNING_CERT_FILE", str(tmp_path / "pdf-cert.pem"))
    monkeypatch.setenv("TRAINER_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("TRAINER_DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite3")
    app = create_app()
    assert app.config["SECRET_KEY"] != DEV_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAINER_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
