"""Extension instances, created unbound and attached in the app factory."""
from __future__ import annotations

import sqlite3

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from trainer.config import sqlite_synchronous

# Stable constraint names so Alembic can alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit: a request that commits (e.g. reading
# progress) and then renders does not reload everything it already has.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()  # Bootstrap's CSS and JS from the package, served locally
# Per-process memory: template fragments that are the same for everyone with the same
# language and roles (the menus, the stylesheet and script tags), rendered once, not on every page.
fragments = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 0, "CACHE_THRESHOLD": 200})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run beside one writer; the busy timeout makes a
    second writer wait instead of failing with 'database is locked'."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL (default) in WAL mode never corrupts the database, but a power loss
    # can undo the last transactions committed before it; FULL syncs every commit.
    cursor.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
    cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_begin_before_savepoint(connection, _name) -> None:
    """The sqlite3 driver opens a transaction only before a write, so a savepoint taken before the
    transaction's first write would open it itself, and releasing that savepoint would commit
    everything so far: a step run in a savepoint (trainer/transactions.py) would escape the
    request's rollback. Opening the transaction first keeps the savepoint nested in it."""
    raw = connection.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN")
