"""The bank's digital signature on certificate PDFs (PAdES, with pyHanko).

A printed certificate can be copied; the file itself can be checked: any PDF
reader that validates signatures shows whether the bank signed it and that
nothing changed since. The key and its X.509 certificate come from
`TRAINER_PDF_SIGNING_KEY_FILE` and `TRAINER_PDF_SIGNING_CERT_FILE` (PEM; a
certificate issued by the bank's CA, so readers trust it). Outside production
a self-signed pair is made in the instance folder on first use.
"""
from __future__ import annotations

import datetime
import io
import os
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from trainer.config import ConfigurationError


def sign_pdf(pdf: bytes, reason: str) -> bytes:
    """`pdf` with the bank's PAdES signature added as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(field_name="BankSignature", subfilter=SigSeedSubFilter.PADES,
                                            reason=reason, name=current_app.config["BANK_NAME"])
    return signers.sign_pdf(writer, metadata, signer=_signer()).getvalue()


def signing_certificate_pem() -> bytes:
    """The certificate readers check the signature against (what auditors are given)."""
    return _pair()[1]


def _signer() -> signers.SimpleSigner:
    cache = current_app.extensions.setdefault("trainer.pdf_signer", {})
    if "signer" not in cache:
        key_pem, cert_pem = _pair()
        key = serialization.load_pem_private_key(key_pem, password=None)
        key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        cert_der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
        cache["signer"] = signers.SimpleSigner(signing_cert=asn1_x509.Certificate.load(cert_der),
                                               signing_key=asn1_keys.PrivateKeyInfo.load(key_der), cert_registry=None)
    return cache["signer"]


def _pair() -> tuple[bytes, bytes]:
    config = current_app.config
    key_file, cert_file = config.get("PDF_SIGNING_KEY_FILE"), config.get("PDF_SIGNING_CERT_FILE")
    if not (key_file and cert_file):
        if config.get("TRAINER_ENV") == "production":
            raise ConfigurationError("TRAINER_PDF_SIGNING_KEY_FILE and TRAINER_PDF_SIGNING_CERT_FILE are needed "
                                     "in production to sign certificate PDFs")
        folder = Path(config["INSTANCE_DIR"])
        key_file, cert_file = folder / "pdf-signing-key.pem", folder / "pdf-signing-cert.pem"
        if not Path(key_file).exists():
            _write_self_signed(Path(key_file), Path(cert_file), config["BANK_NAME"])
    try:
        return Path(key_file).read_bytes(), Path(cert_file).read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read the PDF signing key or certificate: {error}") from None


def _write_self_signed(key_file: Path, cert_file: Path, bank: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{bank} (development certificates)"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, bank)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
