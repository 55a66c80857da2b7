"""The bank's identity (TRAINER_BANK_*) on certificate pages, Open Badges and the badge in the holder's language."""
from __future__ import annotations

import struct
import zlib

import pytest

from tests import factories


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


@pytest.fixture
def bank(app, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    app.config.update(BANK_NAME="Banco del Ejemplo", BANK_ADDRESS="Calle Mayor 1, Madrid",
                      BANK_CONTACT_EMAIL="formacion@banco.example", BANK_LOGO_PATH=str(logo))
    return logo


@pytest.fixture
def holder(app):
    with app.app_context():
        person = factories.user(locale="en")
        cert = factories.certificate(person)
        return {"person": person, "code": cert.verify_code, "id": cert.id}


def test_the_certificate_page_names_the_bank_and_links_the_badge_assertion(app, client, login, bank, holder):
    login(holder["person"])
    page = client.get(f"/certificates/{holder['id']}").get_data(as_text=True)
    for text in ("Banco del Ejemplo", "Calle Mayor 1, Madrid", "mailto:formacion@banco.example",
                 'src="http://localhost/badges/issuer-logo"',
                 f'href="http://localhost/badges/assertions/{holder["code"]}.json"'):
        assert text in page, text
    verify = client.get(f"/verify/{holder['code']}").get_data(as_text=True)
    assert "Banco del Ejemplo" in verify


def test_the_logo_is_served_and_missing_logos_are_a_404(app, client, bank):
    response = client.get("/badges/issuer-logo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == bank.read_bytes()
    app.config["BANK_LOGO_PATH"] = ""
    assert client.get("/badges/issuer-logo").status_code == 404
    app.config["BANK_LOGO_PATH"] = str(bank.with_suffix(".exe"))
    assert client.get("/badges/issuer-logo").status_code == 404


def test_the_open_badges_issuer_is_the_bank(client, bank):
    issuer = client.get("/badges/issuer.json").get_json(force=True)
    assert issuer["name"] == "Banco del Ejemplo"
    assert issuer["email"] == "formacion@banco.example"
    assert issuer["image"] == "http://localhost/badges/issuer-logo"


def test_the_badge_class_speaks_the_holders_language(client, holder):
    assertion = client.get(f"/badges/assertions/{holder['code']}.json").get_json(force=True)
    assert assertion["badge"] == "http://localhost/badges/inspector.json?lang=en"
    badge_class = client.get(assertion["badge"]).get_json(force=True)
    assert badge_class["name"] == "Post-loan inspector" and badge_class["id"] == assertion["badge"]
    assert "Complete the training modules" in badge_class["criteria"]["narrative"]
    default = client.get("/badges/inspector.json?lang=xx").get_json(force=True)
    assert default["name"] == "Inspector/a post-préstamo" and default["id"] == "http://localhost/badges/inspector.json"
