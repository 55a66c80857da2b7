"""Reading `policies/*.yaml` once per app. Each feature validates its own file
(see trainer/ledger/catalogue.py and the like); this module only caches them."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import current_app

T = TypeVar("T")


def cached(name: str, load: Callable[[object], T]) -> T:
    """`load(policies_dir)` once per app; `flask trainer sync-content` clears the cache."""
    cache = current_app.extensions.setdefault("trainer.policies", {})
    if name not in cache:
        cache[name] = load(current_app.config["POLICIES_DIR"])
    return cache[name]


def clear() -> None:
    current_app.extensions.pop("trainer.policies", None)
