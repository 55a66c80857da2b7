"""What a pack holds and how it is signed: shared by the builder and the verifier."""
from __future__ import annotations

import hashlib
import json

FORMAT = "trainer-audit-pack/1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "public_key.pem"
PACK_CONTEXT = b"trainer-audit-pack:v1:"
SECTIONS = ("reports", "reviews", "ledger")


def canonical(data) -> bytes:
    """The bytes that are hashed and stored: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def item_path(section: str, key) -> str:
    return f"{section}/{key}.json"
