"""The OpenAPI 3.1 description of /api/v1, hand-written in openapi.yaml next to this file."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

SOURCE = Path(__file__).with_name("openapi.yaml")


@cache
def document() -> dict:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
