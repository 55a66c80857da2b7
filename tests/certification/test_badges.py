"""Open Badges 2.0: the documents themselves, and the public URLs that host them."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import pytest

from trainer.people.models import User
from trainer.certification import badges, services
from trainer.certification.models import Certificate, CertificateStatus
from trainer.extensions import db

from tests import factories

CONTEXT = "https://w3id.org/openbadges/v2"


def test_identity_is_the_salted_hash_of_the_address():
    expected = "sha256$" + hashlib.sha256(b"ana@bank.example.com" + b"c0ffee").hexdigest()
    assert badges.hashed_identity("ana@bank.example.com", "c0ffee") == expected
    assert badges.hashed_identity(" Ana@Bank.example.com", "c0ffee") == expected


@pytest.mark.parametrize("last_day, ends", [
    (date(2027, 3, 1), datetime(2027, 3, 1, 23, 0, tzinfo=timezone.utc)),  # Madrid in winter: UTC+1
    (date(2027, 7, 31), datetime(2027, 7, 31, 22, 0, tzinfo=timezone.utc)),  # summer: UTC+2
])
def test_validity_ends_at_midnight_after_the_last_day_bank_time(last_day, ends):
    assert badges.end_of_validity(last_day, "Europe/Madrid") == ends


def test_assertion_document():
    cert = Certificate(badge_salt="5a1t", granted_at=datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc),
                       valid_from=date(2026, 3, 2), expires_on=date(2027, 3, 1))
    document = badges.assertion(cert, "ana@bank.example.com", assertion_url="https://x/a.json",
                                badge_url="https://x/b.json", tz_name="Europe/Madrid")
    assert document == {
        "@context": CONTEXT, "type": "Assertion", "id": "https://x/a.json",
        "recipient": {"type": "email", "hashed": True, "salt": "5a1t",
                      "identity": "sha256$" + hashlib.sha256(b"ana@bank.example.com5a1t").hexdigest()},
        "badge": "https://x/b.json", "issuedOn": "2026-03-02T11:00:00+00:00",
        "expires": "2027-03-01T23:00:00+00:00", "verification": {"type": "hosted"},
    }


def test_assertion_reads_naive_timestamps_as_utc():
    # SQLite hands back timestamps without a zone.
    cert = Certificate(badge_salt="s", granted_at=datetime(2026, 3, 2, 11, 0), expires_on=date(2027, 3, 1))
    document = badges.assertion(cert, "a@b.c", assertion_url="u", badge_url="b", tz_name="Europe/Madrid")
    assert document["issuedOn"] == "2026-03-02T11:00:00+00:00"


def test_badge_class_document(ctx):
    inspector = services.definition("inspector")
    document = badges.badge_class(inspector, "en", badge_url="https://x/b.json", image_url="https://x/i.svg",
                                  issuer_url="https://x/issuer.json", criteria="Pass the exam.")
    assert document == {
        "@context": CONTEXT, "type": "BadgeClass", "id": "https://x/b.json", "name": "Post-loan inspector",
        "description": inspector.text("en"), "image": "https://x/i.svg",
        "criteria": {"narrative": "Pass the exam."}, "issuer": "https://x/issuer.json",
    }


# --- hosted on the web --------------------------------------------------------------

@pytest.fixture
def holder(app):
    with app.app_context():
        person = factories.user()
        cert = factories.certificate(person)
        return {"email": person.email, "code": cert.verify_code, "salt": cert.badge_salt,
                "expires_on": cert.expires_on, "id": person.id}


def test_hosted_assertion_needs_no_login(client, holder):
    response = client.get(f"/badges/assertions/{holder['code']}.json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = response.get_json(force=True)
    assert document["@context"] == CONTEXT and document["type"] == "Assertion"
    assert document["id"] == f"http://localhost/badges/assertions/{holder['code']}.json"
    assert document["recipient"] == {
        "type": "email", "hashed": True, "salt": holder["salt"],
        "identity": "sha256$" + hashlib.sha256((holder["email"] + holder["salt"]).encode()).hexdigest(),
    }
    assert document["badge"] == "http://localhost/badges/inspector.json"
    assert document["expires"].startswith(holder["expires_on"].isoformat())  # Madrid is ahead of UTC
    assert document["verification"] == {"type": "hosted"}
    assert holder["email"] not in response.get_data(as_text=True)


def test_badge_class_and_issuer_link_up(client, holder):
    assertion = client.get(f"/badges/assertions/{holder['code']}.json").get_json(force=True)
    badge = client.get(assertion["badge"])
    assert badge.status_code == 200
    badge_class = badge.get_json(force=True)
    assert badge_class["type"] == "BadgeClass" and badge_class["id"] == assertion["badge"]
    assert badge_class["name"] == "Inspector/a post-préstamo"  # the bank's language, whoever asks
    assert badge_class["criteria"]["narrative"]
    image = client.get(badge_class["image"])
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    issuer = client.get(badge_class["issuer"]).get_json(force=True)
    assert issuer["type"] == "Issuer" and issuer["id"] == badge_class["issuer"]
    assert issuer["name"] and issuer["url"] == "http://localhost/"


def test_revoked_badge_answers_gone_with_a_generic_reason(client, holder, app):
    with app.app_context():
        factories.end_certificate(db.session.get(User, holder["id"]), "revoked", "Falsified an inspection report")
    response = client.get(f"/badges/assertions/{holder['code']}.json")
    assert response.status_code == 410
    # The reason HR gave is an internal note: the public document only says "revoked".
    assert response.get_json(force=True) == {
        "@context": CONTEXT, "type": "Assertion", "id": f"http://localhost/badges/assertions/{holder['code']}.json",
        "revoked": True, "revocationReason": "Revocado",
    }


def test_suspended_badge_is_revoked_too_since_the_certificate_never_returns(client, app):
    with app.app_context():
        person = factories.user()
        current = factories.certificate(person, starts_in=-300, ends_in=10)
        renewal = factories.certificate(person, starts_in=11, ends_in=376)
        codes = (current.verify_code, renewal.verify_code)
        factories.end_certificate(person, "suspended", "Missed two warning signals")
        assert {c.status for c in db.session.query(Certificate)} == {CertificateStatus.SUSPENDED}
    for code in codes:  # the event names one certificate; both were ended by it
        response = client.get(f"/badges/assertions/{code}.json")
        assert response.status_code == 410
        document = response.get_json(force=True)
        assert document["revoked"] is True and document["revocationReason"] == "Suspendido"


def test_expired_badge_still_answers_with_its_expiry(client, app):
    with app.app_context():
        cert = factories.certificate(factories.user(), starts_in=-400, ends_in=-35)
        code, last_day = cert.verify_code, cert.expires_on
    document = client.get(f"/badges/assertions/{code}.json").get_json(force=True)
    assert document["expires"].startswith(last_day.isoformat())
    assert datetime.fromisoformat(document["expires"]) < datetime.now(timezone.utc) - timedelta(days=30)


def test_unknown_badges_are_404(client, app):
    assert client.get("/badges/assertions/nope.json").status_code == 404
    assert client.get("/badges/no-such-qualification.json").status_code == 404

