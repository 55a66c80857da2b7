"""The ledger's signing key (Ed25519), held outside the database.

Every entry and every checkpoint is signed with it, so someone who can write
to the database but does not hold the key can neither forge an entry nor a
tree head that verifies. The key comes from `TRAINER_LEDGER_SIGNING_KEY`
(PEM text) or `TRAINER_LEDGER_SIGNING_KEY_FILE` (a PEM file, mode 0600).
Outside production, a key is created in the instance folder on first use so
that a developer's machine works out of the box; production refuses to
start without one.

Verifying needs only the public key (`trainer ledger-public-key`), which an
auditor keeps apart from the bank's systems.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from trainer.config import ConfigurationError

ENTRY_CONTEXT = b"trainer-ledger-entry:v1:"
CHECKPOINT_CONTEXT = b"trainer-ledger-checkpoint:v1:"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_pem(text: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(text.encode() if isinstance(text, str) else text)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def verify(public: Ed25519PublicKey, context: bytes, message: bytes, signature_hex: str | None) -> bool:
    if not signature_hex:
        return False
    try:
        public.verify(bytes.fromhex(signature_hex), context + message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, context: bytes, message: bytes) -> str:
        return self.private.sign(context + message).hex()


def entry_message(seq: int, entry_hash: str) -> bytes:
    return f"{seq}:{entry_hash}".encode()


def generate_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def signer() -> Signer:
    """The app's signer, loaded once per app."""
    cache = current_app.extensions.setdefault("trainer.ledger_signer", {})
    if "signer" not in cache:
        cache["signer"] = Signer(_load_private())
    return cache["signer"]


def _load_private() -> Ed25519PrivateKey:
    config = current_app.config
    pem = config.get("LEDGER_SIGNING_KEY") or ""
    path = config.get("LEDGER_SIGNING_KEY_FILE") or ""
    if not pem and path:
        try:
            pem = Path(path).read_text()
        except OSError as error:
            raise ConfigurationError(f"TRAINER_LEDGER_SIGNING_KEY_FILE: cannot read {path}: {error.strerror}") from None
    if not pem:
        if config.get("TRAINER_ENV") == "production":
            raise ConfigurationError("TRAINER_ENV=production needs the ledger signing key: set "
                                     "TRAINER_LEDGER_SIGNING_KEY_FILE (create one with `trainer ledger-keygen FILE`).")
        pem = _development_key(Path(config["INSTANCE_DIR"]) / "ledger-signing-key.pem")
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except ValueError:
        raise ConfigurationError("the ledger signing key is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError("the ledger signing key must be an Ed25519 key")
    return key


def _development_key(path: Path) -> str:
    if not path.exists():
        write_private_key(path)
    return path.read_text()


def write_private_key(path: Path) -> None:
    """A new key file readable by its owner only; never overwrites an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(generate_pem())
