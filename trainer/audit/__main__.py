"""`python -m trainer.audit verify PACK.zip [--public-key KEY.pem]`: no database, no app."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trainer.audit.verify import verify_pack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.audit", description="Verify a trainer audit pack offline.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="check a pack's signature, every item's hash and every ledger proof")
    check.add_argument("pack", type=Path)
    check.add_argument("--public-key", type=Path, help="the bank's ledger public key (PEM), kept by the auditor")
    args = parser.parse_args(argv)
    pem = args.public_key.read_text() if args.public_key else None
    report = verify_pack(args.pack, pem)
    if pem is None:
        print("Warning: no --public-key given; checked with the key inside the pack (integrity, not origin).")
    if report.period:
        print(f"Pack for {report.period}; checkpoint: {report.checkpoint}")
        print(", ".join(f"{n} {section}" for section, n in report.counts.items()))
    for problem in report.problems:
        print(f"FAIL {problem}")
    print("Pack verified." if report.ok else f"{len(report.problems)} problem(s): the pack does not verify.")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
