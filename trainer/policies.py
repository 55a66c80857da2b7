"""The one cache for definition files: `policies/*.yaml` and the qualification
definitions in `question_bank/`. Each feature validates its own file (see
trainer/ledger/catalogue.py and the like); this module only decides when to read.

Two levels, because the hot paths ask for a policy on every request:
- per app, a dict lookup (`flask trainer sync-content` clears it, see `clear`);
- per process, keyed by the directory and the size and time of its files, so a
  second app on the same files (a test, a CLI command) does not parse them again
  and a changed file is always read afresh.
The loaded values are frozen dataclasses, safe to share.
"""
from __future__ import annotations

import os
from pathlib import Path
from threading import RLock
from typing import Callable, TypeVar

from flask import current_app

T = TypeVar("T")

_APP_KEY = "trainer.policies"
_process: dict[tuple, object] = {}
_process_lock = RLock()  # a loader may ask for another policy


def cached(name: str, load: Callable[[Path], T], config_key: str = "POLICIES_DIR") -> T:
    """`load(directory)` once per app and per version of the directory's files."""
    per_app = current_app.extensions.setdefault(_APP_KEY, {})
    if name not in per_app:
        directory = Path(current_app.config[config_key])
        key = (name, str(directory.resolve()), _stamp(directory))
        with _process_lock:
            if key not in _process:
                _forget(name, key[1])
                _process[key] = load(directory)
            per_app[name] = _process[key]
    return per_app[name]


def clear() -> None:
    """Forget this app's copies: the next use checks the files again."""
    current_app.extensions.pop(_APP_KEY, None)


def _stamp(directory: Path) -> tuple:
    """What changes when any top-level file of the directory is edited, added or removed."""
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return ()
    stats = ((entry.name, entry.stat()) for entry in entries if entry.is_file())
    return tuple((name, stat.st_mtime_ns, stat.st_size) for name, stat in stats)


def _forget(name: str, directory: str) -> None:
    """Older versions of the same policy are never asked for again; keep the cache small."""
    for key in [key for key in _process if key[:2] == (name, directory)]:
        del _process[key]
