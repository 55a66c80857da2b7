"""Certificates: the holder's pages, PDF, public verification and Open Badges."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certification", __name__)
