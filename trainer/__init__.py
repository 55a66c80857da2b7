"""trainer: qualifies a bank's credit staff to carry out post-loan inspections."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix

from trainer import config as config_module
from trainer.extensions import babel, bootstrap, csrf, db, fragments, login_manager, migrate
from trainer.params import DatabaseIntConverter
from trainer.transactions import TransactionalFlask

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept for the process, keyed by name and source checksum:
    a second app in the same process (the CLI, each test) does not compile them again."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _ProcessBytecodeCache()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = TransactionalFlask(__name__, template_folder=str(TEMPLATES_DIR))
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _TEMPLATE_CODE}
    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is added
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    config_module.check_production_safety(app.config)
    _ensure_sqlite_directory(app)
    _trust_proxies(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    bootstrap.init_app(app)
    fragments.init_app(app)

    from trainer import errors, i18n, input_guard, models, web  # noqa: F401 - models registers the schema
    from trainer.admin.views import bp as admin_bp
    from trainer.api.admin_views import bp as api_admin_bp
    from trainer.api.views import bp as api_bp
    from trainer.audit_log.views import bp as audit_log_bp
    from trainer.auth.account_views import bp as account_bp
    from trainer.auth.views import bp as auth_bp
    from trainer.batches.views import bp as batches_bp
    from trainer.certification.views import bp as certification_bp
    from trainer.cli import trainer_cli
    from trainer.content.views import bp as content_bp
    from trainer.evaluation.views import bp as evaluation_bp
    from trainer.exams.views import bp as exams_bp
    from trainer.hr.views import bp as hr_bp
    from trainer.inspections.views import bp as inspections_bp
    from trainer.ledger.views import bp as ledger_bp

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)
    web.init_app(app)
    for blueprint in (web.bp, auth_bp, content_bp, exams_bp, certification_bp, hr_bp, admin_bp, api_bp, api_admin_bp, ledger_bp, inspections_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(batches_bp)
    app.register_blueprint(audit_log_bp)
    app.register_blueprint(account_bp)
    from trainer import sso

    sso.init_app(app)
    from trainer.meetings.views import bp as meetings_bp
    app.register_blueprint(meetings_bp)
    # Each feature's receivers of other features' events (trainer/events.py).
    from trainer.batches import hooks as _batch_hooks  # noqa: F401 - members told of a batch's dates
    from trainer.certification import hooks as _certification_hooks  # noqa: F401 - lifts asked for and decided
    from trainer.content import hooks as _content_hooks  # noqa: F401 - re-reading after suspensions and lifts
    from trainer.escalations import hooks as _escalation_hooks  # noqa: F401 - reacts to submitted reports
    from trainer.inspections import hooks as _inspection_hooks  # noqa: F401 - the author told of a review
    from trainer.ledger import hooks as _ledger_hooks  # noqa: F401 - the person told of an entry
    from trainer.escalations import views as escalation_views
    from trainer.notifications import views as notification_views

    app.register_blueprint(escalation_views.bp)
    escalation_views.init_app(app)
    app.register_blueprint(notification_views.bp)
    notification_views.init_app(app)
    csrf.exempt(api_bp)  # token-authenticated, no cookies: CSRF does not apply
    app.cli.add_command(trainer_cli)
    return app


def _trust_proxies(app: Flask) -> None:
    """Take the client address, scheme and host from the configured number of
    proxies' X-Forwarded-* headers (login throttling is per client address)."""
    counts = {name: app.config.get(f"PROXY_FIX_X_{name.upper()}", 0) for name in ("for", "proto", "host")}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=counts["for"], x_proto=counts["proto"], x_host=counts["host"])


def _ensure_sqlite_directory(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
