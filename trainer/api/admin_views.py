"""Admin pages to issue and revoke API tokens."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")
