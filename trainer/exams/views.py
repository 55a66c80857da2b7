"""Exams: the qualification overview, sitting an attempt, results and review."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exams", __name__, url_prefix="/exams")
