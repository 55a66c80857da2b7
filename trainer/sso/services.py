"""Which person an identity provider's claims name (the OpenID Connect login). Who may use a local
password and who is checked against the directory are password rules: trainer.auth.password_rules."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from trainer.auth.services import find_person
from trainer.people.models import Department, Role, User
from trainer.extensions import db


class Refusal(str, enum.Enum):
    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    UNVERIFIED_EMAIL = "unverified_email"


@dataclass(frozen=True)
class Match:
    user: User | None = None
    refusal: Refusal | None = None
    created: bool = False


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def person_for_claims(claims: dict) -> Match:
    """The person the identity provider vouched for: by the employee-number claim when one is
    configured and present (case-insensitively, as imports match), else by a verified email.
    Nobody is created unless TRAINER_OIDC_CREATE_PEOPLE allows it; deactivated people are refused."""
    cfg = current_app.config
    claim_name = cfg.get("OIDC_EMPLOYEE_NO_CLAIM")
    employee_no = str(claims.get(claim_name) or "").strip() if claim_name else ""
    email = str(claims.get("email") or "").strip()
    email_verified = bool(email) and _truthy(claims.get("email_verified"))

    user = find_person(employee_no) if employee_no else None
    if user is None and email_verified:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        if cfg.get("OIDC_CREATE_PEOPLE") and employee_no and email_verified:
            return _create_person(employee_no, email, str(claims.get("name") or email))
        if email and not email_verified and not employee_no:
            return Match(refusal=Refusal.UNVERIFIED_EMAIL)
        return Match(refusal=Refusal.UNKNOWN)
    if not user.active:
        return Match(refusal=Refusal.INACTIVE)
    return Match(user=user)


def _create_person(employee_no: str, email: str, full_name: str) -> Match:
    """A staff account in the configured department, through the administrators' own rule
    (uniqueness, active department, the audit trail)."""
    from sqlalchemy.exc import IntegrityError

    from trainer.admin.services import AdminRuleError, UserData, create_user

    code = current_app.config["OIDC_NEW_PEOPLE_DEPARTMENT"]
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        current_app.logger.error("TRAINER_OIDC_NEW_PEOPLE_DEPARTMENT=%s names no department", code)
        return Match(refusal=Refusal.UNKNOWN)
    data = UserData(employee_no=employee_no[:32], full_name=full_name.strip()[:200] or email, email=email[:254],
                    department_id=department.id, roles={Role.STAFF}, active=True)
    try:
        with db.session.begin_nested():  # losing a race to another node undoes this account only
            return Match(user=create_user(data, password=None), created=True)
    except (AdminRuleError, IntegrityError):  # e.g. the email is another person's, or another node won the race
        return Match(refusal=Refusal.UNKNOWN)
