"""Certificate PDFs carry the bank's PAdES signature: a reader can tell the file is the bank's and unchanged."""
from __future__ import annotations

import io

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from trainer.certification.pdf_signing import signing_certificate_pem

from tests.certification.test_certificate_pages import people as people  # noqa: F401
from tests.certification.test_certificate_pages import sign_in


def _status(data: bytes, trusted_pem: bytes):
    der = x509.load_pem_x509_certificate(trusted_pem).public_bytes(serialization.Encoding.DER)
    [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)]))


def test_the_pdf_is_signed_by_the_bank_and_a_changed_byte_breaks_it(app, client, people):  # noqa: F811
    sign_in(client, people["emails"]["holder"])
    data = client.get(f"/certificates/{people['cert_id']}.pdf").get_data()
    with app.app_context():
        trusted = signing_certificate_pem()
    status = _status(data, trusted)
    assert status.intact and status.valid and status.trusted
    position = data.index(b"/MediaBox")
    tampered = data[:position] + b"/MediaBoy" + data[position + 9:]
    assert not _status(tampered, trusted).intact
