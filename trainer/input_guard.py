"""What no request may carry, checked once before any view runs.

- Control characters (U+0000 to U+001F but tab, line feed and carriage
  return) in a query or form value, or in a JSON string: nobody types them,
  PostgreSQL cannot store NUL at all (SQLite can, so the two databases would
  disagree), and the others break spreadsheet exports for everyone later.
- JSON nested so deeply that decoding it exhausts Python's recursion limit.

Either is answered 400 with a message naming the field (JSON under /api/,
the error page elsewhere), never a server error.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Flask, Request, abort, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class GuardedRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest(_("The JSON body is nested too deeply.")) from None


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a decoded JSON value (keys too), with where it is; iterative, so depth is no risk."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield f"{where}.{key}" if where else str(key), str(key)
                stack.append((inner, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))


def _values() -> Iterator[tuple[str, str]]:
    for source in (request.args, request.form):
        for name, values in source.lists():
            yield name, name
            for value in values:
                yield name, value
    if request.is_json:  # a body that is not JSON is the view's to refuse, in its own words
        yield from _strings(request.get_json(silent=True), "")


def init_app(app: Flask) -> None:
    app.request_class = GuardedRequest

    @app.before_request
    def _refuse_control_characters():
        for name, value in _values():
            if CONTROL.search(value):
                abort(400, description=_(
                    "The field “%(field)s” contains a control character, which cannot be stored. "
                    "Remove it (it often comes with pasted text) and send again.", field=name[:60]))
