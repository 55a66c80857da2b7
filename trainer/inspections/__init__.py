"""Loans, post-loan inspection reports behind the gate, and supervisor review."""
