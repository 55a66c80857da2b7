"""Credit staff meetings: who records and reads them, what they may name, and the
signal decisions shown on the reports they covered."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from trainer.audit_log.models import AuditEvent
from trainer.people.models import Role
from trainer.extensions import db
from trainer.inspections.gate import GateRefused
from trainer.inspections.models import RaisedSignal
from trainer.inspections.services import file_report
from trainer.meetings import services
from trainer.meetings.models import CreditMeeting, SignalDecision
from trainer.meetings.services import MeetingError, MeetingInput

from tests import factories
from tests.factories import certify, loan, report_content, today


@pytest.fixture
def world(ctx):
    home, other = factories.department(), factories.department()
    supervisor = factories.user(Role.SUPERVISOR, dept=home)
    certify(supervisor, "inspector", "supervisor")
    officer = factories.user(dept=home)
    certify(officer)
    home_loan = loan(officer)
    report = file_report(officer, home_loan, report_content(today() - timedelta(days=5), signals={
        "guarantor_weakened": "Guarantor sold two properties", "liquidity_strain": "Suppliers paid late"}), submit=True)
    signals = {s.signal: s for s in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
    stranger = factories.user(dept=other)
    certify(stranger)
    other_loan = loan(stranger)
    other_report = file_report(stranger, other_loan, report_content(today() - timedelta(days=3)), submit=True)
    return dict(home=home, other=other, supervisor=supervisor, officer=officer, loan=home_loan, report=report,
                signals=signals, stranger=stranger, other_loan=other_loan, other_report=other_report,
                hr=factories.user(Role.HR, dept=home), admin=factories.user(Role.ADMIN, dept=other))


def _input(w, **changes):
    data = dict(held_on=today(), analysis="Guarantor weaker; repayment capacity intact.",
                attendee_ids=[w["supervisor"].id, w["officer"].id], loan_ids=[w["loan"].id],
                decisions={w["signals"]["guarantor_weakened"].id: ("confirmed", "Two properties sold"),
                           w["signals"]["liquidity_strain"].id: ("dismissed", "")})
    data.update(changes)
    return MeetingInput(**data)


def test_a_supervisor_records_the_meeting_and_its_decisions_with_an_audit_event(world):
    meeting = services.record_meeting(world["supervisor"], world["home"].id, _input(world))
    detail = services.meeting_detail(meeting)
    assert [p.id for p in detail.attendees] == sorted([world["supervisor"].id, world["officer"].id],
                                                      key=lambda i: db.session.get(type(world["officer"]), i).full_name)
    assert {line.signal.signal: line.decision.decision for line in detail.decisions} == {
        "guarantor_weakened": SignalDecision.CONFIRMED, "liquidity_strain": SignalDecision.DISMISSED}
    shown = services.decisions_for_report(world["report"].id)
    assert {d.signal.signal: (d.meeting.held_on, d.decision.decision) for d in shown} == {
        "guarantor_weakened": (today(), SignalDecision.CONFIRMED), "liquidity_strain": (today(), SignalDecision.DISMISSED)}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "meeting.recorded"))
    assert event.actor_id == world["supervisor"].id and event.subject == f"meeting:{meeting.id}"


def test_the_rules_of_what_a_meeting_may_name(world):
    w = world
    cases = {
        "held_on": _input(w, held_on=today() + timedelta(days=1)),
        "analysis": _input(w, analysis="   "),
        "attendees": _input(w, attendee_ids=[w["stranger"].id]),
        "loans": _input(w, loan_ids=[w["other_loan"].id]),
        f"signal.{db.session.scalar(select(RaisedSignal.id).where(RaisedSignal.report_id == w['other_report'].id))}":
            _input(w, decisions={db.session.scalar(select(RaisedSignal.id).where(
                RaisedSignal.report_id == w["other_report"].id)): ("confirmed", "")}),
    }
    for field_name, data in cases.items():
        with pytest.raises(MeetingError) as refused:
            services.record_meeting(w["supervisor"], w["home"].id, data)
        assert field_name in refused.value.fields, field_name
        db.session.rollback()
    # A signal from a report inspected after the meeting was not before it.
    with pytest.raises(MeetingError) as refused:
        services.record_meeting(w["supervisor"], w["home"].id, _input(w, held_on=today() - timedelta(days=10)))
    assert any(key.startswith("signal.") for key in refused.value.fields)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CreditMeeting)) == 0


def test_a_second_meeting_on_the_same_day_is_refused(world):
    services.record_meeting(world["supervisor"], world["home"].id, _input(world))
    with pytest.raises(MeetingError) as refused:
        services.record_meeting(world["supervisor"], world["home"].id, _input(world))
    assert refused.value.code == "duplicate"
    # Only the second one's step was taken back: the first meeting, in the same transaction, stands.
    assert db.session.scalar(select(func.count()).select_from(CreditMeeting)) == 1


def test_who_records_and_who_reads(world):
    w = world
    for outsider in (w["officer"], w["hr"], w["stranger"]):
        with pytest.raises(MeetingError):
            services.record_meeting(outsider, w["home"].id, _input(w))
    # A supervisor of another department may not record this one's.
    other_supervisor = factories.user(Role.SUPERVISOR, dept=w["other"])
    certify(other_supervisor, "inspector", "supervisor")
    with pytest.raises(MeetingError):
        services.record_meeting(other_supervisor, w["home"].id, _input(w))
    # A supervisor who is not qualified as one may not decide signals.
    unqualified = factories.user(Role.SUPERVISOR, dept=w["home"])
    with pytest.raises(GateRefused):
        services.record_meeting(unqualified, w["home"].id, _input(w))
    meeting = services.record_meeting(w["admin"], w["home"].id, _input(w))
    assert services.can_view(w["hr"], meeting) and services.can_view(w["supervisor"], meeting)
    assert not services.can_view(other_supervisor, meeting) and not services.can_view(w["officer"], meeting)


def test_meeting_pages_over_http(app, world, client, login):
    w = world
    login(w["supervisor"])
    page = client.get("/meetings/new")
    assert page.status_code == 200 and b"Suppliers paid late" in page.data
    guarantor, liquidity = w["signals"]["guarantor_weakened"].id, w["signals"]["liquidity_strain"].id
    form = {"held_on": today().isoformat(), "attendees": [w["supervisor"].id, w["officer"].id],
            "loans": [w["loan"].id], f"signal_{guarantor}": "confirmed", f"signal_{liquidity}": "dismissed",
            f"note_{guarantor}": "Two properties sold", "analysis": "Repayment capacity intact."}
    bad = client.post("/meetings/new", data={**form, "held_on": (today() + timedelta(days=2)).isoformat()})
    assert bad.status_code == 422 and b"cannot be in the future" in bad.data
    done = client.post("/meetings/new", data=form)
    assert done.status_code == 302, done.data[:2000]
    meeting_page = client.get(done.location)
    assert b"Two properties sold" in meeting_page.data and b"Repayment capacity intact." in meeting_page.data
    report_page = client.get(f"/inspections/reports/{w['report'].id}")
    assert b"discussed at the meeting of" in report_page.data
    assert b'data-decision="confirmed"' in report_page.data and b'data-decision="dismissed"' in report_page.data
    assert client.post("/meetings/new", data=form).status_code == 409
    assert client.get("/meetings/").status_code == 200
    # Someone of another department sees neither the form for it nor the meeting.
    client.post("/logout")
    login(w["stranger"])
    assert client.get("/meetings/").status_code == 403
    assert client.get(done.location).status_code == 403
    client.post("/logout")
    login(w["hr"])
    listing = client.get("/meetings/")
    assert listing.status_code == 200 and w["home"].name.encode() in listing.data
    assert client.get(done.location).status_code == 200
    assert client.get("/meetings/new").status_code == 403


def test_the_list_makes_a_fixed_number_of_queries(app, world, client, login, count_queries):
    w = world
    for days in range(3):
        services.record_meeting(w["supervisor"], w["home"].id, _input(w, held_on=today() - timedelta(days=days), decisions={}))
    db.session.commit()
    login(w["hr"])
    with count_queries() as few:
        client.get("/meetings/")
    services.record_meeting(w["supervisor"], w["home"].id, _input(w, held_on=today() - timedelta(days=4)))
    db.session.commit()
    with count_queries() as more:
        client.get("/meetings/")
    assert len(more) == len(few)
