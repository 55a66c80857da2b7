"""The audit pack: one quarter's inspection record, provable offline.

`trainer audit-pack 2026Q3 PACK.zip` writes every inspection report filed in
the quarter (with its author's qualification evidence on the inspection
date: the certificate in force, the exam attempt that granted it, the module
completions and reading record behind it), every review, and every ledger
entry of the quarter with its Merkle inclusion proof, all under a manifest
signed with the ledger key together with a fresh signed checkpoint.

`python -m trainer.audit verify PACK.zip --public-key KEY.pem` checks it
with nothing but the pack and the public key (no database, no app), and
names the item that does not verify.
"""
