"""Quarterly comprehensive evaluation of staff and departments."""
