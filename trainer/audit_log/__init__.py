"""The bank-wide audit trail: every change to accounts, roles, tokens,
departments, imports, content and qualifications that is not already a
ledger entry or a certification event — who, when, what, before and after —
in an append-only, hash-chained, signed log covered by the ledger's checkpoints."""
