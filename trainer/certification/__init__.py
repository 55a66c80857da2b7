"""Qualifications: definitions, grants and their lifecycle."""
