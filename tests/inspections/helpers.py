"""The states in which the inspection gate must refuse a person, and what it says for each."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.certification.models import Certificate
from trainer.extensions import db

from tests import factories

STATES = ["unqualified", "expired", "suspended", "revoked"]


def put_in_state(person: User, state: str, code: str = "inspector") -> None:
    """Turn a certified person into one the gate must refuse."""
    today = factories.today()
    if state == "unqualified":
        db.session.execute(delete(Certificate).where(Certificate.user_id == person.id))
    elif state == "expired":
        db.session.execute(update(Certificate).where(Certificate.user_id == person.id, Certificate.qualification == code)
                           .values(valid_from=today - timedelta(days=400), expires_on=today - timedelta(days=1)))
    elif state == "suspended":
        certification.suspend(person, code, factories.user(Role.HR), "missed warning signal")
    elif state == "revoked":
        certification.revoke(person, code, factories.user(Role.HR), "rule violation")
    db.session.commit()
    db.session.expire_all()


EXPECTED_REASON = {
    "unqualified": "You are not qualified as Post-loan inspector.",
    "expired": "expired on",
    "suspended": "is suspended",
    "revoked": "was revoked",
}
