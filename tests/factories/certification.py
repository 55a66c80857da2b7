"""Certificates made directly (no exam), with exactly the dates and state a test needs,
and ended through the real services."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.certification.models import Certificate, CertificateStatus
from trainer.extensions import db
from trainer.timeutil import utcnow

from tests.factories.clock import today
from tests.factories.people import user


def certificate(person: User | int, valid_from: date | None = None, expires_on: date | None = None, *,
                code: str = "inspector", status: CertificateStatus = CertificateStatus.ACTIVE,
                starts_in: int = -120, ends_in: int = 300, ended_at: datetime | None = None,
                previous: Certificate | None = None) -> Certificate:
    """A certificate of `person` (a user or an id) for `code`, valid from `valid_from` to `expires_on`;
    a date not given is `starts_in` / `ends_in` days from the bank's today."""
    row = Certificate(
        user_id=getattr(person, "id", person), qualification=code, status=status,
        valid_from=valid_from or today() + timedelta(days=starts_in),
        expires_on=expires_on or today() + timedelta(days=ends_in), ended_at=ended_at,
        granted_at=utcnow(), previous_id=previous.id if previous else None,
        verify_code=secrets.token_urlsafe(18), badge_salt=secrets.token_hex(8))
    db.session.add(row)
    db.session.commit()
    return row


def certify(person: User, *codes: str, starts_in: int = -120, ends_in: int = 300) -> None:
    """Active certificates for `codes` (inspector by default), dated relative to the bank's today."""
    for code in codes or ("inspector",):
        certificate(person, code=code, starts_in=starts_in, ends_in=ends_in)


def end_certificate(person: User, how: str, reason: str, code: str = "inspector") -> None:
    """Suspend or revoke (`how`) `person`'s `code` through the real services, by an HR person."""
    actor = user(Role.HR)
    if how == "suspended":
        certification.suspend(person, code, actor, reason)
    else:
        certification.revoke(person, code, actor, reason)
    db.session.commit()
