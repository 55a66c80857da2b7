"""Open Badges 2.0 documents for certificates: hosted assertions, badge classes, the issuer.

Pure builders: the caller passes the absolute URLs and the texts, so the
documents are checked without a web request.
See https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from trainer.certification.definitions import Qualification
from trainer.certification.models import Certificate
from trainer.timeutil import as_utc

CONTEXT = "https://w3id.org/openbadges/v2"


def hashed_identity(email: str, salt: str) -> str:
    # Backpacks hash the address as people type it into them: lower case.
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def end_of_validity(last_day: date, tz_name: str) -> datetime:
    """The moment a certificate stops being valid: midnight after its last day, bank time, in UTC."""
    local_midnight = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz_name))
    return local_midnight.astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    return as_utc(moment).astimezone(timezone.utc).isoformat(timespec="seconds")


def assertion(cert: Certificate, email: str, *, assertion_url: str, badge_url: str, tz_name: str) -> dict:
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url,
        "recipient": {"type": "email", "hashed": True, "salt": cert.badge_salt,
                      "identity": hashed_identity(email, cert.badge_salt)},
        "badge": badge_url,
        "issuedOn": _iso(cert.granted_at),
        "expires": _iso(end_of_validity(cert.expires_on, tz_name)),
        "verification": {"type": "hosted"},
    }


def revoked_assertion(*, assertion_url: str, reason: str) -> dict:
    return {"@context": CONTEXT, "type": "Assertion", "id": assertion_url, "revoked": True,
            "revocationReason": reason}


def badge_class(qualification: Qualification, locale: str, *, badge_url: str, image_url: str, issuer_url: str,
                criteria: str) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_url,
        "name": qualification.title(locale),
        "description": qualification.text(locale),
        "image": image_url,
        "criteria": {"narrative": criteria},
        "issuer": issuer_url,
    }


def issuer(*, name: str, issuer_url: str, site_url: str, email: str = "", image_url: str = "",
           description: str = "") -> dict:
    """The bank as the Open Badges issuer (its name, contact address and logo, as configured)."""
    document = {"@context": CONTEXT, "type": "Issuer", "id": issuer_url, "name": name, "url": site_url}
    for key, value in (("email", email), ("image", image_url), ("description", description)):
        if value:
            document[key] = value
    return document
