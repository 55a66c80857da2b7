"""Lifting a suspension: requested with a reason by one HR/admin person, approved or
rejected by a second; nobody acts on their own record; one decision wins a race."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from trainer.audit_log.models import AuditEvent
from trainer.people.models import Role, User
from trainer.certification import lifts
from trainer.certification import services as certification
from trainer.certification.models import Certificate, CertificationEvent, EventKind, LiftStatus, SuspensionLift
from trainer.extensions import db
from trainer.inspections import gate

from tests import factories
from tests.concurrency import run_concurrently
from tests.factories import certify, today


@pytest.fixture
def people(ctx):
    hr, second, admin = factories.user(Role.HR), factories.user(Role.HR), factories.user(Role.ADMIN)
    officer = factories.user()
    certify(officer, starts_in=-30, ends_in=200)
    certification.suspend(officer, "inspector", hr, "Missed a warning signal on loan 12")
    db.session.commit()
    return dict(hr=hr, second=second, admin=admin, officer=officer)


def test_an_approved_lift_returns_the_qualification_and_keeps_the_suspended_days(people):
    officer = people["officer"]
    assert not certification.is_qualified(officer, "inspector")
    lift = lifts.request_lift(officer, "inspector", people["hr"], "The investigation found the signal was raised")
    db.session.commit()
    # Requested is not lifted.
    assert certification.standing(officer.id, "inspector").state == certification.SUSPENDED
    lifts.decide_lift(lift.id, people["second"], approve=True, note="Investigation file 2026/14 read")
    db.session.commit()
    standing = certification.standing(officer.id, "inspector")
    assert standing.state == certification.ACTIVE and certification.is_qualified(officer, "inspector")
    assert standing.certificate.expires_on == today() + timedelta(days=200)
    assert gate.refusal(officer, "inspector", today()) is None
    # The suspension stays in the record: the suspended certificate is kept, followed by the new one.
    old, new = db.session.scalars(select(Certificate).where(Certificate.user_id == officer.id)
                                  .order_by(Certificate.id)).all()
    assert old.ended_at is not None and old.status.value == "suspended"
    assert new.previous_id == old.id and new.valid_from == today()
    kinds = [e.kind for e in certification.events_for(officer.id)]
    assert kinds[0] is EventKind.LIFTED and EventKind.SUSPENDED in kinds
    trail = db.session.scalars(select(AuditEvent.kind).where(AuditEvent.subject == f"lift:{lift.id}")
                               .order_by(AuditEvent.seq)).all()
    assert trail == ["suspension_lift.requested", "suspension_lift.approved"]
    assert db.session.get(SuspensionLift, lift.id).status is LiftStatus.APPROVED


def test_a_rejection_needs_a_reason_and_changes_nothing(people):
    lift = lifts.request_lift(people["officer"], "inspector", people["hr"], "Cleared by the inquiry")
    db.session.commit()
    with pytest.raises(lifts.LifecycleError, match="reason"):
        lifts.decide_lift(lift.id, people["second"], approve=False, note=" ")
    db.session.rollback()
    lifts.decide_lift(lift.id, people["admin"], approve=False, note="The inquiry is not closed")
    db.session.commit()
    assert certification.standing(people["officer"].id, "inspector").state == certification.SUSPENDED
    # Decided once: a second decision is refused.
    with pytest.raises(lifts.AlreadyDecided):
        lifts.decide_lift(lift.id, people["second"], approve=True)
    db.session.rollback()
    # A new request may be made after a rejection.
    lifts.request_lift(people["officer"], "inspector", people["second"], "New evidence from the branch")
    db.session.commit()


def test_four_eyes_and_nobody_on_themselves(people):
    officer, hr = people["officer"], people["hr"]
    with pytest.raises(lifts.LifecycleError, match="reason"):
        lifts.request_lift(officer, "inspector", hr, "  ")
    with pytest.raises(lifts.LifecycleError):
        lifts.request_lift(officer, "inspector", factories.user(Role.SUPERVISOR), "Cleared")
    lift = lifts.request_lift(officer, "inspector", hr, "Cleared by the inquiry")
    db.session.commit()
    with pytest.raises(lifts.LifecycleError, match="already waiting"):
        lifts.request_lift(officer, "inspector", people["second"], "Cleared")
    db.session.rollback()
    with pytest.raises(lifts.LifecycleError, match="someone other"):
        lifts.decide_lift(lift.id, hr, approve=True)
    db.session.rollback()
    # An HR person who is themselves the suspended one may not approve their own lift.
    suspended_hr = factories.user(Role.HR)
    certify(suspended_hr)
    certification.suspend(suspended_hr, "inspector", hr, "Audit finding")
    db.session.commit()
    with pytest.raises(lifts.LifecycleError, match="own"):
        lifts.request_lift(suspended_hr, "inspector", suspended_hr, "Cleared")
    own = lifts.request_lift(suspended_hr, "inspector", people["second"], "Cleared")
    db.session.commit()
    with pytest.raises(lifts.LifecycleError, match="own"):
        lifts.decide_lift(own.id, suspended_hr, approve=True)
    db.session.rollback()
    # Someone not suspended has nothing to lift.
    with pytest.raises(lifts.LifecycleError, match="not suspended"):
        lifts.request_lift(people["second"], "inspector", hr, "Cleared")


def test_a_suspension_whose_certificate_has_expired_meanwhile_is_not_lifted(people):
    db.session.execute(update(Certificate).where(Certificate.user_id == people["officer"].id)
                       .values(expires_on=today() - timedelta(days=1)))
    db.session.commit()
    with pytest.raises(lifts.LifecycleError):
        lifts.request_lift(people["officer"], "inspector", people["hr"], "Cleared")


def test_two_approvals_at_once_give_one_result(app, people):
    lift = lifts.request_lift(people["officer"], "inspector", people["hr"], "Cleared by the inquiry")
    db.session.commit()
    lift_id, approvers = lift.id, iter([people["second"].id, people["admin"].id])
    ids = [next(approvers), next(approvers)]
    slot = iter(ids)
    import threading
    lock = threading.Lock()

    def approve():
        with lock:
            approver_id = next(slot)
        done = lifts.decide_lift(lift_id, db.session.get(User, approver_id), approve=True, note="ok")
        db.session.commit()
        return done.id

    results, errors = run_concurrently(app, 2, approve)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], lifts.AlreadyDecided), errors
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CertificationEvent).where(
        CertificationEvent.kind == EventKind.LIFTED)) == 1
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.user_id == people["officer"].id)) == 2
    assert db.session.get(SuspensionLift, lift_id).decided_by_id in ids


def test_lift_over_http_with_the_person_page(app, people, client, login):
    officer = people["officer"]
    login(people["hr"])
    page = client.get(f"/people/{officer.id}")
    assert page.status_code == 200 and b"Request to lift a suspension" in page.data
    assert client.post(f"/people/{officer.id}/lift-request",
                       data={"lift-qualification": "inspector", "lift-reason": ""}).status_code == 422
    done = client.post(f"/people/{officer.id}/lift-request",
                       data={"lift-qualification": "inspector", "lift-reason": "Inquiry cleared the officer"})
    assert done.status_code == 302, done.data[:3000]
    lift_id = db.session.scalar(select(SuspensionLift.id))
    page = client.get(f"/people/{officer.id}")
    assert b'data-lift-status="pending"' in page.data and b"You made this request" in page.data
    refused = client.post(f"/people/{officer.id}/lifts/{lift_id}", data={"decide-%d-approve" % lift_id: "1"})
    assert refused.status_code == 422 and b"someone other" in refused.data
    client.post("/logout")
    login(people["second"])
    approved = client.post(f"/people/{officer.id}/lifts/{lift_id}", data={"decide-%d-approve" % lift_id: "1"})
    assert approved.status_code == 302
    page = client.get(f"/people/{officer.id}")
    assert b'data-lift-status="approved"' in page.data and b"Suspension lifted" in page.data
    assert b'data-state="active"' in page.data
    again = client.post(f"/people/{officer.id}/lifts/{lift_id}", data={"decide-%d-reject" % lift_id: "1",
                                                                       "decide-%d-note" % lift_id: "no"})
    assert again.status_code == 409
    # The person themselves sees the request on their page but no forms.
    client.post("/logout")
    login(officer)
    own = client.get(f"/people/{officer.id}")
    assert own.status_code == 200 and b'data-lift-status="approved"' in own.data
    assert b"Request to lift a suspension" not in own.data
