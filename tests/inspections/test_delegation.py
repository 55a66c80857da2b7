"""Review delegation: to another valid supervisor of the same department, never to oneself;
the delegate sees the absent supervisor's returned-and-resubmitted reports, never their own."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from trainer.people.models import Role
from trainer.extensions import db
from trainer.inspections import delegation, review, services
from trainer.inspections.models import RaisedSignal, ReviewDelegation
from trainer.inspections.gate import GateRefused
from trainer.inspections.review import ReviewInput
from trainer.inspections.services import InspectionError

from tests import factories
from tests.factories import certify, loan, report_content, today
from tests.inspections.helpers import put_in_state

MARKS = {"coverage": 3, "timeliness": 4, "signal_accuracy": 2, "analysis_quality": 1}


@pytest.fixture
def deputy(bank):
    person = factories.user(Role.SUPERVISOR, dept=bank.home)
    certify(person, "inspector", "supervisor")
    return person


def refused(field, *args):
    with pytest.raises(InspectionError) as caught:
        delegation.create(*args)
    db.session.rollback()
    assert field in caught.value.fields, caught.value.fields
    return caught.value.fields[field]


def test_only_to_another_valid_supervisor_of_the_department(bank, deputy):
    start, end = today(), today() + timedelta(days=7)
    assert "yourself" in refused("delegate", bank.supervisor, bank.supervisor.id, start, end, today())
    stranger = factories.user(Role.SUPERVISOR, dept=bank.other)
    certify(stranger, "inspector", "supervisor")
    assert "of your department" in refused("delegate", bank.supervisor, stranger.id, start, end, today())
    assert "active supervisor" in refused("delegate", bank.supervisor, bank.colleague.id, start, end, today())
    unqualified = factories.user(Role.SUPERVISOR, dept=bank.home)
    certify(unqualified)  # inspector only
    assert "may not review reports now" in refused("delegate", bank.supervisor, unqualified.id, start, end, today())
    assert "before the first" in refused("ends_on", bank.supervisor, deputy.id, end, start, today())
    assert "past" in refused("starts_on", bank.supervisor, deputy.id, start - timedelta(days=1), end, today())
    with pytest.raises(InspectionError) as staff:
        delegation.create(bank.officer, deputy.id, start, end, today())
    assert staff.value.forbidden
    made = delegation.create(bank.supervisor, deputy.id, start, end, today())
    db.session.commit()  # as the request that made it does; the refusals below roll back only themselves
    assert "already delegate" in refused("starts_on", bank.supervisor, deputy.id, end, end, today())
    delegation.cancel(bank.supervisor, made.id)
    assert delegation.create(bank.supervisor, deputy.id, end, end, today()).id != made.id
    assert db.session.scalars(select(ReviewDelegation)).all()[0].cancelled_at is not None


def test_a_delegate_whose_qualification_lapses_is_refused_by_the_gate_at_review(bank, deputy):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    delegation.create(bank.supervisor, deputy.id, today(), today(), today())
    put_in_state(deputy, "suspended", "supervisor")
    signals = {s.id: True for s in db.session.scalars(select(RaisedSignal))}
    with pytest.raises(GateRefused):
        review.review_report(deputy, report.id, ReviewInput("accepted", "Fine.", MARKS, signals))


def return_then_resubmit(bank, author, loan, kind="regular"):
    report = services.file_report(author, loan, report_content(kind=kind), submit=True)
    signals = {s.id: True for s in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
    review.review_report(bank.supervisor, report.id, ReviewInput("returned", "Thin.", MARKS, signals,
                                                                 return_reasons="Add the guarantor's accounts."))
    db.session.expire_all()
    services.submit_report(author, report.id, db.session.get(type(report), report.id).revision, report_content(kind=kind))
    db.session.commit()
    return report


def test_the_delegate_sees_the_delegated_queue_but_not_their_own_report(bank, deputy, client, login):
    certify(deputy)  # deputy also files
    mine = return_then_resubmit(bank, bank.officer, bank.loan)
    deputy_loan = loan(deputy)
    own = return_then_resubmit(bank, deputy, deputy_loan)
    login(bank.supervisor.email)
    page = client.post("/inspections/review/delegations", data={
        "delegate": str(deputy.id), "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=3)).isoformat()})
    assert page.status_code == 302
    assert "your reviews go to" in client.get("/inspections/review").text
    bad = client.post("/inspections/review/delegations", data={
        "delegate": str(bank.supervisor.id), "starts_on": today().isoformat(), "ends_on": today().isoformat()})
    assert bad.status_code == 422 and "to yourself" in bad.text
    client.post("/logout")

    login(deputy.email)
    queue = client.get("/inspections/review")
    assert queue.status_code == 200
    section = queue.text[queue.text.index("Delegated to you by"):queue.text.index("</section>")]
    assert f"/inspections/reports/{mine.id}/review" in section
    assert f"/inspections/reports/{own.id}/review" not in section, "never the delegate's own report"
    assert client.get(f"/inspections/reports/{own.id}/review").status_code == 403


def test_the_delegated_queue_takes_a_fixed_number_of_queries(bank, deputy, count_queries):
    delegation.create(bank.supervisor, deputy.id, today(), today(), today())
    return_then_resubmit(bank, bank.officer, bank.loan)
    with count_queries() as few:
        assert len(delegation.delegated_queues(deputy, today())[0].rows) == 1
    return_then_resubmit(bank, bank.colleague, bank.loan, kind="irregular")
    return_then_resubmit(bank, bank.officer, bank.loan, kind="irregular")
    with count_queries() as many:
        assert len(delegation.delegated_queues(deputy, today())[0].rows) == 3
    assert len(many) == len(few)

