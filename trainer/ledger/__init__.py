"""The append-only, hash-chained ledger of rewards and sanctions."""
