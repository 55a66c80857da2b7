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
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_app_context

from trainer.extensions import db

_DISCARD = "trainer_discard_changes"


def discard_changes() -> None:
    """This request keeps nothing it changed: it rolls back instead of committing when the view returns."""
    g.setdefault(_DISCARD, True)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block changed, or roll it all back if the block raises (a refusal that
    `keeps_changes` commits first). Used around every view, and by commands and workers."""
    try:
        yield
    except BaseException as error:
        _finish(commit=getattr(error, "keeps_changes", False))  # see trainer/refusals.py
        raise
    _finish(commit=not (has_app_context() and g.pop(_DISCARD, False)))


def _finish(*, commit: bool) -> None:
    if not db.session.registry.has():  # the block never touched the database (/healthz, static files)
        return
    if commit:
        db.session.commit()
    else:
        db.session.rollback()


class TransactionalFlask(Flask):
    """Flask, with every view run as one unit of work. The commit happens inside Flask's dispatch,
    so a failed commit reaches the app's error handlers like an error raised by the view."""

    def dispatch_request(self):
        with unit_of_work():
            return super().dispatch_request()
