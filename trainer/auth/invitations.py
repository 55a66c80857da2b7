"""Invitations: an email with a one-time link to set a first password.

HR or an administrator invites one person, or everyone who has never logged
in and has no password of their own (e.g. just imported) and holds no
invitation that still works. Sending a new invitation supersedes the old link.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from trainer.audit_log import services as audit_trail
from trainer.auth import account_mail, account_tokens
from trainer.auth.account_tokens import Purpose
from trainer.people.models import User
from trainer.extensions import db
from trainer.refusals import CONFLICT, Refusal
from trainer.timeutil import utcnow

MAX_PER_RUN = 5000


class InvitationRefused(Refusal):
    """`code`: 'inactive' (a deactivated account is never invited) or 'no_local_password' (the person
    logs in with single sign-on or the directory's password)."""

    def __init__(self, code: str):
        super().__init__(code, code, status=CONFLICT)


@dataclass
class InvitationReport:
    invited: list[str] = field(default_factory=list)  # employee numbers, each with an email in the outbox


def invite(user: User, actor: User | None, now: datetime | None = None) -> InvitationReport:
    if not user.active:
        raise InvitationRefused("inactive")
    if not account_tokens.local_password_possible(user):
        raise InvitationRefused("no_local_password")
    return _invite([user], actor, now or utcnow())


def uninvited_people(now: datetime | None = None) -> list[User]:
    """Active people who never logged in, have no password of their own and no invitation that still works."""
    now = now or utcnow()
    people = db.session.scalars(
        select(User).where(User.active.is_(True), *account_tokens.never_logged_in(),
                           User.id.not_in(account_tokens.pending_invitation_holders(now=now)))
        .order_by(User.employee_no).limit(MAX_PER_RUN))
    return [person for person in people if account_tokens.local_password_possible(person)]


def invite_uninvited(actor: User | None, now: datetime | None = None) -> InvitationReport:
    now = now or utcnow()
    return _invite(uninvited_people(now), actor, now)


def _invite(people: list[User], actor: User | None, now: datetime) -> InvitationReport:
    report = InvitationReport()
    if not people:
        return report
    for person in people:
        account_mail.queue(person, account_tokens.issue(person, Purpose.INVITATION, actor=actor, now=now))
        report.invited.append(person.employee_no)
    audit_trail.record("account.invited", "staff" if len(people) > 1 else f"user:{people[0].id}", actor=actor,
                       person=people[0] if len(people) == 1 else None, after={"invited": report.invited})
    return report
