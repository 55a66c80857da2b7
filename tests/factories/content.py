"""The real training content, and reading it through as a person."""
from __future__ import annotations

from flask import current_app

from trainer.content import services as content
from trainer.extensions import db

_sources = {}


def load_content():
    """Load the real modules and question bank (parsed once per test run: the files do not change)."""
    from trainer.library import read_all, sync_all

    key = (str(current_app.config["CONTENT_DIR"]), str(current_app.config["QUESTION_BANK_DIR"]))
    if key not in _sources:
        _sources[key] = read_all()
    loaded = sync_all(_sources[key])
    db.session.commit()
    return loaded


def read_modules(person, code: str) -> None:
    """Read every active module of qualification `code` through, via the real services."""
    for module in content.active_modules():
        if code in module.qualifications:
            content.read_through(person, module)
    db.session.commit()
