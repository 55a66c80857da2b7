"""Versioned JSON API for other bank systems."""
