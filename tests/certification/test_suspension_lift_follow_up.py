"""What follows a request to lift a suspension: every other HR person and administrator is asked to
decide, the requester learns the decision, the cleared person learns they may work again, and the
re-reading the suspension assigned (and only that) is withdrawn."""
import pytest
from sqlalchemy import select

from trainer.people.models import Role
from trainer.certification import lifts
from trainer.certification import services as certification
from trainer.content import services as content
from trainer.content.models import Module, ReadAssignment
from trainer.extensions import db
from trainer.notifications.models import Notification
from trainer.notifications.outbox import deliver_pending

from tests import factories


@pytest.fixture
def suspended(ctx, smtp_server):
    factories.load_content()
    hr, second, admin = factories.user(Role.HR), factories.user(Role.HR, locale="en"), factories.user(Role.ADMIN)
    factories.user(Role.HR, active=False)  # a former HR person is not asked
    officer = factories.user(locale="en")
    factories.read_modules(officer, "inspector")
    factories.certify(officer, starts_in=-30, ends_in=200)
    # A re-reading asked for on its own, before the suspension: the lift must leave it open.
    unrelated = db.session.scalar(select(Module).where(Module.active).order_by(Module.id).limit(1))
    db.session.add(ReadAssignment(user_id=officer.id, module_id=unrelated.id, reason="new version of the procedure"))
    certification.suspend(officer, "inspector", hr, "Missed a warning signal on loan 12")
    db.session.commit()
    deliver_pending()  # the suspension's own message
    return dict(hr=hr, second=second, admin=admin, officer=officer, unrelated=unrelated)


def decided(suspended, smtp_server, decider: str, approve: bool, note: str):
    """HR asks for the lift (the approvers' mails are sent and forgotten), then `decider` decides;
    the mails that decision sends are delivered."""
    lift = lifts.request_lift(suspended["officer"], "inspector", suspended["hr"], "Cleared by the inquiry")
    db.session.commit()
    deliver_pending()
    smtp_server.received.clear()
    lifts.decide_lift(lift.id, suspended[decider], approve=approve, note=note)
    db.session.commit()
    deliver_pending()
    return lift


def subjects_to(smtp_server, person) -> list[str]:
    return [mail.subject for mail in smtp_server.to(person.email)]


def test_every_other_hr_person_and_administrator_is_asked_to_decide(suspended, smtp_server):
    officer, hr = suspended["officer"], suspended["hr"]
    smtp_server.received.clear()

    lifts.request_lift(officer, "inspector", hr, "The investigation found the signal was raised")
    db.session.commit()
    deliver_pending()

    asked = sorted(r for mail in smtp_server.received for r in mail.recipients)
    assert asked == sorted([suspended["second"].email, suspended["admin"].email])
    (mail,) = smtp_server.to(suspended["second"].email)
    assert mail.subject == f"Approval needed: lift the suspension of {officer.full_name} " \
                                      "(Post-loan inspector)"
    assert hr.full_name in mail.body and "The investigation found the signal was raised" in mail.body
    assert f"/people/{officer.id}#lifts" in mail.body
    panel = db.session.scalars(select(Notification).where(Notification.user_id == suspended["admin"].id)).all()
    assert [(n.kind, n.link) for n in panel] == [("suspension_lift_requested", f"/people/{officer.id}#lifts")]


def test_an_approval_tells_the_requester_and_the_person_and_withdraws_the_suspensions_rereading(
        suspended, smtp_server):
    officer = suspended["officer"]
    modules = content.qualification_modules("inspector")
    assert content.open_assignments(officer.id) == {m.id for m in modules} | {suspended["unrelated"].id}
    done, missing = content.has_completed_current(officer.id, "inspector")
    assert not done and missing

    decided(suspended, smtp_server, "second", approve=True, note="File 2026/14")

    assert subjects_to(smtp_server, suspended["hr"]) == [
        f"Aprobada: levantar la suspensión de {officer.full_name} (Inspector/a post-préstamo)"]
    assert "File 2026/14" in smtp_server.to(suspended["hr"].email)[0].body
    assert subjects_to(smtp_server, officer) == ["Your Post-loan inspector qualification is reinstated"]
    # The re-reading the suspension assigned is withdrawn; the one asked for before stays open.
    assert content.open_assignments(officer.id) == {suspended["unrelated"].id}
    withdrawn = db.session.scalars(select(ReadAssignment).where(
        ReadAssignment.user_id == officer.id, ReadAssignment.withdrawn_reason.is_not(None))).all()
    assert {a.module_id for a in withdrawn} == {m.id for m in modules} - {suspended["unrelated"].id}
    assert {(a.withdrawn_reason, a.confirmation_id) for a in withdrawn} == {("Cleared by the inquiry", None)}
    assert certification.is_qualified(officer, "inspector")


def test_a_rejection_tells_only_the_requester_and_keeps_the_rereading(suspended, smtp_server):
    officer = suspended["officer"]
    before = content.open_assignments(officer.id)

    decided(suspended, smtp_server, "admin", approve=False, note="The inquiry is not closed")

    assert [mail.recipients for mail in smtp_server.received] == [[suspended["hr"].email]]
    assert subjects_to(smtp_server, suspended["hr"])[0].startswith("Rechazada: levantar la suspensión")
    assert content.open_assignments(officer.id) == before


def test_the_person_page_shows_the_withdrawn_rereading(suspended, smtp_server, client, login):
    officer = suspended["officer"]
    lift = lifts.request_lift(officer, "inspector", suspended["hr"], "Cleared by the inquiry")
    db.session.commit()
    lifts.decide_lift(lift.id, suspended["admin"], approve=True)
    db.session.commit()

    login(suspended["second"])
    page = client.get(f"/people/{officer.id}", headers={"Accept-Language": "en"})

    assert page.status_code == 200
    assert b"withdrawn on" in page.data and b"Cleared by the inquiry" in page.data
    assert b"not done yet" in page.data  # the unrelated re-reading
