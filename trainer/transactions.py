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
- **A hot view may say how little it needs**: `read_only` (it writes nothing) or `one_write` (one writing
  statement, whole by itself). Either runs on PostgreSQL without BEGIN and COMMIT round trips, and either
  refuses, on both databases, the statement that would break its promise.
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
        for mode in _MODES:
            if getattr(view, mode, False):
                _without_transaction(mode)
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


def one_write(view: F) -> F:
    """Mark a view (outermost, under the route) that writes with one statement, whole by itself (an UPDATE
    guarded in its own WHERE: all of its rows or none; the exam autosave), and decides nothing after it.
    On PostgreSQL its statements run without a transaction around them, as a `read_only` view's do, and the
    write commits as it runs: the request saves the BEGIN and COMMIT round trips, two of an autosave's four.
    A second writing statement is refused on either database: the two could not stand or fall together.
    A rare path that must write more than once (an overdue attempt closed and graded) calls
    `transaction_from_here()` first."""
    view.one_write = True  # type: ignore[attr-defined]
    return view


def transaction_from_here() -> None:
    """In a view marked `one_write`, before a path that writes more than once: what ran so far is committed
    (on PostgreSQL it is already, statement by statement), and from here on the request's statements run
    in one transaction, committed when the view returns like any other view's. Elsewhere: nothing to do."""
    session = db.session()
    if session.in_transaction() and session.connection().get_execution_options().get(_ONE_WRITE):
        session.commit()


class WriteInReadOnlyView(RuntimeError):
    """A view marked `read_only` tried to write: a programming error, answered as a 500."""


class SecondWriteInOneWriteView(RuntimeError):
    """A view marked `one_write` wrote a second time: a programming error, answered as a 500."""


_READ_ONLY, _ONE_WRITE = "trainer_read_only", "trainer_one_write"
_MODES = {"read_only": _READ_ONLY, "one_write": _ONE_WRITE}  # the view's mark: its connection's option
_WRITTEN = "trainer_written"  # in the connection's info: a `one_write` view has written
_READS = ("SELECT", "WITH")


def _without_transaction(mode: str) -> None:
    if db.session().in_transaction():  # the request shares a session already at work (a test's context)
        return
    options = {_MODES[mode]: True}
    if db.engine.dialect.name == "postgresql":  # SQLite's BEGIN costs no round trip
        options["isolation_level"] = "AUTOCOMMIT"
    connection = db.session.connection(execution_options=options)
    connection.info.pop(_WRITTEN, None)  # the info outlives the checkout: a new request, nothing written


@event.listens_for(Engine, "before_cursor_execute")
def _guard_the_modes(conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    options = conn.get_execution_options()
    if not options:
        return
    reads = statement.lstrip().upper().startswith(_READS)
    if options.get(_READ_ONLY) and not reads:
        raise WriteInReadOnlyView(f"a read-only view tried to write: {statement[:80]}")
    if options.get(_ONE_WRITE) and not reads:
        if conn.info.get(_WRITTEN):
            raise SecondWriteInOneWriteView(f"a second write in a one-write view: {statement[:80]}")
        conn.info[_WRITTEN] = True
