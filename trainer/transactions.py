"""Transactions: one unit of work per request and per command.

The convention, everywhere in trainer:

- **Services change and flush; they never commit, and never roll back the caller's work.** A service
  flushes when it needs an id or wants the database to check a constraint now.
- **The request commits once**, when its view returns (`TransactionalFlask.dispatch_request`). A commit
  that fails (a constraint, a lost race) is answered like any other error: the transaction is rolled
  back, and nothing of the request is kept.
- **An exception that leaves the view keeps nothing**: the request rolls back. A `Refusal` may say
  `keeps_changes` when what was done before it stands on its own (an exam whose time ran out is closed,
  then the late answer is refused).
- **A view that re-renders a refused form keeps nothing either**: `refusals.attach` calls
  `discard_changes()`, so a refusal raised halfway through a service cannot leave half a change behind.
  A view that records something on a refused request anyway (a failed login counts towards the lock)
  does not raise: it returns its page, and the count is committed with the request.
- **A step that may lose a race** (two tabs inserting the same unique row) runs in a savepoint,
  `with db.session.begin_nested():`, so losing rolls back that step only.
- **A command** (`flask trainer …`) or a worker is its own caller: it commits where its unit of work ends
  (`unit_of_work()`), once per command or once per item it handles.
- **What lives outside the database** (an evidence file) follows the transaction's outcome: a service
  asks for `after_commit(action)` (remove the file of a deleted row) or `after_rollback(action)` (remove a
  file written for a row that was not kept). They follow the outermost transaction: an action asked for
  inside a savepoint that is rolled back still waits for the outer outcome.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Flask, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

from trainer.extensions import db

F = TypeVar("F", bound=Callable)
_DISCARD = "trainer_discard_changes"
_ON_COMMIT, _ON_ROLLBACK = "trainer_after_commit", "trainer_after_rollback"


def discard_changes(refusal: BaseException | None = None) -> None:
    """This request keeps nothing it changed: it rolls back instead of committing when the view returns,
    unless the `refusal` it answers keeps what came before it (see trainer/refusals.py)."""
    if not _keeps_changes(refusal):
        g.setdefault(_DISCARD, True)


def _keeps_changes(error: BaseException | None) -> bool:
    return bool(getattr(error, "keeps_changes", False))


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block changed, or roll it all back if the block raises (a refusal that
    `keeps_changes` commits first). Used around every view, and by commands and workers."""
    try:
        yield
    except BaseException as error:
        _finish(commit=_keeps_changes(error))
        raise
    _finish(commit=not (has_app_context() and g.pop(_DISCARD, False)))


def _finish(*, commit: bool) -> None:
    if not db.session.registry.has():  # the block never touched the database (/healthz, static files)
        return
    if commit:
        db.session.commit()
    else:
        db.session.rollback()


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction has committed; never if it rolls back."""
    db.session.info.setdefault(_ON_COMMIT, []).append(action)


def after_rollback(action: Callable[[], None]) -> None:
    """Run `action` if the current transaction ends without committing; never if it commits."""
    db.session.info.setdefault(_ON_ROLLBACK, []).append(action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: nothing is committed yet
        return
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_ON_COMMIT, []):
        action()


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint, or a subtransaction: the outer outcome decides
        return
    session.info.pop(_ON_COMMIT, None)  # still here: the transaction did not commit
    for action in session.info.pop(_ON_ROLLBACK, []):
        action()


class TransactionalFlask(Flask):
    """Flask, with every view run as one unit of work. The commit happens inside Flask's dispatch,
    so a failed commit reaches the app's error handlers like an error raised by the view."""

    def preprocess_request(self):
        view = self.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, "read_only", False):
            _read_without_transaction()
        return super().preprocess_request()

    def dispatch_request(self):
        with unit_of_work():
            return super().dispatch_request()


def read_only(view: F) -> F:
    """Mark a view that only reads (outermost, under the route). On PostgreSQL its statements run
    without a transaction around them (autocommit): under READ COMMITTED each statement sees its own
    snapshot either way, and a read-only request saves the BEGIN and COMMIT round trips, two of the
    seven or so of a page. On either database a statement that would write there is refused."""
    view.read_only = True  # type: ignore[attr-defined]
    return view


class WriteInReadOnlyView(RuntimeError):
    """A view marked `read_only` tried to write: a programming error, answered as a 500."""


_READ_ONLY = "trainer_read_only"
_READS = ("SELECT", "WITH")


def _read_without_transaction() -> None:
    if db.session().in_transaction():  # the request shares a session already at work (a test's context)
        return
    options = {_READ_ONLY: True}
    if db.engine.dialect.name == "postgresql":  # SQLite's BEGIN costs no round trip
        options["isolation_level"] = "AUTOCOMMIT"
    db.session.connection(execution_options=options)


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes(conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    if conn.get_execution_options().get(_READ_ONLY) and not statement.lstrip().upper().startswith(_READS):
        raise WriteInReadOnlyView(f"a read-only view tried to write: {statement[:80]}")
