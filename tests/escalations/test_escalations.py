"""Escalation of high-severity warning signals: raised on submission, acknowledged, followed up, chased."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import report_content, today
from trainer.people.models import Role
from trainer.escalations import services
from trainer.escalations.models import Escalation
from trainer.escalations.services import EscalationError
from trainer.extensions import db
from trainer.inspections import review
from trainer.inspections.models import InspectionReport
from trainer.inspections.review import ReviewInput
from trainer.inspections.services import file_report, submit_report
from trainer.notifications.models import Notification, OutboxMessage
from trainer.notifications.outbox import deliver_pending
from trainer.timeutil import utcnow

RISK = "risk.office@bank.example.com"
HIGH = {"fund_diversion": "Loan paid into the owner's personal account", "guarantor_weakened": "Sold two properties"}
FULL_MARKS = {"coverage": 4, "timeliness": 4, "signal_accuracy": 4, "analysis_quality": 4}


@pytest.fixture(autouse=True)
def risk_recipients(ctx):
    ctx.config["RISK_RECIPIENTS"] = [RISK]


def escalated(bank, signals=None):
    report = file_report(bank.officer, bank.loan, report_content(signals=HIGH if signals is None else signals),
                         submit=True)
    return report, list(db.session.scalars(select(Escalation).where(Escalation.report_id == report.id)))


def test_a_high_severity_signal_escalates_on_submission(bank, smtp_server):
    other_supervisor = factories.user(Role.SUPERVISOR, dept=bank.other)
    report, [escalation] = escalated(bank)
    assert (escalation.signal, escalation.severity, escalation.loan_id) == ("fund_diversion", "high", bank.loan.id)
    assert escalation.note == HIGH["fund_diversion"] and escalation.acknowledged_at is None
    # Queued in the submission's transaction: supervisor of the department and risk management, not the other one.
    assert {m.address for m in db.session.scalars(select(OutboxMessage))} == {bank.supervisor.email, RISK}
    assert db.session.scalar(select(Notification.link).where(Notification.user_id == bank.supervisor.id)) == \
        f"/escalations/{escalation.id}"
    assert deliver_pending().sent == 2
    [mail] = smtp_server.to(bank.supervisor.email)
    assert "fund_diversion" not in mail.message["Subject"] and "P-001" in mail.message["Subject"]
    assert f"https://trainer.bank.example.com/inspections/reports/{report.id}" in mail.body
    assert f"https://trainer.bank.example.com/escalations/{escalation.id}" in mail.body
    assert HIGH["fund_diversion"] in mail.body
    assert smtp_server.to(RISK) and not smtp_server.to(other_supervisor.email)


def test_each_recipient_reads_it_in_their_language(bank, smtp_server):
    bank.supervisor.locale = "en"
    db.session.commit()
    escalated(bank)
    deliver_pending()
    assert smtp_server.to(bank.supervisor.email)[0].message["Subject"].startswith("Warning signal escalated: Funds "
                                                                                 "diverted")
    assert smtp_server.to(RISK)[0].message["Subject"].startswith("Señal de alerta escalada: Desvío")


def test_only_high_severity_escalates(bank):
    _report, found = escalated(bank, {"guarantor_weakened": "Sold two properties", "sales_drop": "Down 40%"})
    assert found == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_draft_does_not_escalate_and_a_refused_submission_leaves_nothing(bank):
    file_report(bank.officer, bank.loan, report_content(signals=HIGH), submit=False)
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0
    content = report_content(signals=HIGH)
    content.conclusion = ""
    with pytest.raises(Exception):
        file_report(bank.officer, bank.loan, content, submit=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_once_per_report_and_signal_even_when_returned_and_resubmitted(bank):
    report, [first] = escalated(bank)
    signal_ids = {s.id: True for s in db.session.scalars(
        select(review.RaisedSignal).where(review.RaisedSignal.report_id == report.id))}
    review.review_report(bank.supervisor, report.id, ReviewInput("returned", "Thin", FULL_MARKS, signal_ids,
                                                                  return_reasons="Say more"))
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    db.session.expire_all()
    returned = db.session.get(InspectionReport, report.id)
    content = report_content(signals={**HIGH, "liquidity_strain": "Suppliers unpaid"})
    submit_report(bank.officer, report.id, returned.revision, content)
    signals = set(db.session.scalars(select(Escalation.signal).where(Escalation.report_id == report.id)))
    assert signals == {"fund_diversion", "liquidity_strain"}  # only the new one escalated
    escalation_mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "escalation"))
    assert escalation_mails == 4 and before == 3  # two recipients each; the author was told of the return


def test_acknowledge_only_by_a_recipient_in_scope(bank):
    _report, [escalation] = escalated(bank)
    other_supervisor = factories.user(Role.SUPERVISOR, dept=bank.other)
    for outsider in (other_supervisor, bank.hr, bank.officer):
        with pytest.raises(EscalationError) as refused:
            services.acknowledge(outsider, escalation.id)
        assert refused.value.forbidden
    done = services.acknowledge(bank.supervisor, escalation.id)
    assert done.acknowledged_by_id == bank.supervisor.id and done.acknowledged_at is not None
    with pytest.raises(EscalationError) as twice:
        services.acknowledge(bank.supervisor, escalation.id)
    assert twice.value.code == "already_acknowledged"


def test_risk_management_acknowledges_any_department(bank):
    risk_officer = factories.user(dept=bank.other)
    risk_officer.email = RISK
    db.session.commit()
    _report, [escalation] = escalated(bank)
    assert services.may_open_escalations(risk_officer)
    assert services.acknowledge(risk_officer, escalation.id).acknowledged_by_id == risk_officer.id


def test_follow_up_after_acknowledgement_with_a_date_not_in_the_future(bank):
    _report, [escalation] = escalated(bank)
    with pytest.raises(EscalationError) as early:
        services.record_follow_up(bank.supervisor, escalation.id, "Called the borrower", today())
    assert early.value.code == "not_acknowledged"
    services.acknowledge(bank.supervisor, escalation.id)
    for action, day, code in (("", today(), "action_missing"), ("Called", None, "date_missing"),
                              ("Called", today() + timedelta(days=1), "date_in_future"),
                              ("Called", today() - timedelta(days=5), "date_before_escalation")):
        with pytest.raises(EscalationError) as bad:
            services.record_follow_up(bank.supervisor, escalation.id, action, day)
        assert bad.value.code == code
    with pytest.raises(EscalationError) as outsider:
        services.record_follow_up(bank.hr, escalation.id, "Called", today())
    assert outsider.value.forbidden
    done = services.record_follow_up(bank.supervisor, escalation.id, " Froze the credit line ", today())
    assert (done.action_taken, done.action_on, done.followed_up_by_id) == ("Froze the credit line", today(),
                                                                          bank.supervisor.id)
    with pytest.raises(EscalationError) as twice:
        services.record_follow_up(bank.supervisor, escalation.id, "Again", today())
    assert twice.value.code == "already_followed_up"


def test_unacknowledged_escalations_are_chased_once_per_interval(bank, smtp_server):
    _report, [escalation] = escalated(bank)
    deliver_pending()
    raised = escalation.raised_at
    assert services.chase(raised + timedelta(hours=23)) == 0  # policy: after 24 hours
    assert services.chase(raised + timedelta(hours=25)) == 1
    assert services.chase(raised + timedelta(hours=26)) == 0  # chased within the interval
    assert deliver_pending(now=lambda: raised + timedelta(hours=26)).sent == 2
    assert smtp_server.to(bank.supervisor.email)[-1].message["Subject"].startswith("Recordatorio")
    assert services.overdue_count(bank.hr, raised + timedelta(hours=25)) == 1
    assert services.dashboard_counts(bank.hr, raised + timedelta(hours=23)) == (1, 0)  # open, not yet overdue
    assert services.dashboard_counts(bank.supervisor, raised + timedelta(hours=25)) == (1, 1)
    elsewhere = factories.user(Role.SUPERVISOR, dept=bank.other)  # another department's supervisor
    assert services.dashboard_counts(elsewhere, raised + timedelta(hours=25)) == (0, 0)
    assert services.dashboard_counts(bank.supervisor, raised + timedelta(hours=25)) == (1, 1)
    assert services.chase(raised + timedelta(hours=49)) == 1  # the next interval
    services.acknowledge(bank.supervisor, escalation.id)
    assert services.dashboard_counts(bank.hr, raised + timedelta(hours=100)) == (1, 0)  # open until followed up
    assert services.chase(raised + timedelta(hours=100)) == 0  # acknowledged: no more chasing
    assert db.session.get(Escalation, escalation.id).chase_count == 2


def test_chase_command(bank, runner, smtp_server):
    _report, [escalation] = escalated(bank)
    escalation.raised_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    result = runner.invoke(args=["trainer", "chase-escalations"])
    assert result.exit_code == 0 and "Chased 1" in result.output
    assert runner.invoke(args=["trainer", "chase-escalations"]).output.startswith("Chased 0")


def test_response_times(bank):
    start = utcnow() - timedelta(hours=1)
    _r1, [first] = escalated(bank)
    services.acknowledge(bank.supervisor, first.id, now=first.raised_at + timedelta(hours=3))
    second_report = file_report(bank.colleague, bank.loan, report_content(kind="irregular", signals=HIGH), submit=True)
    [second] = db.session.scalars(select(Escalation).where(Escalation.report_id == second_report.id)).all()
    services.acknowledge(bank.supervisor, second.id, now=second.raised_at + timedelta(hours=5))
    file_report(bank.officer, bank.loan, report_content(kind="irregular", signals={"liquidity_strain": "Unpaid"}),
                submit=True)
    times = services.response_times(start, utcnow() + timedelta(hours=1))
    assert (times.raised, times.acknowledged, times.unacknowledged) == (3, 2, 1)
    assert times.hours == (3.0, 5.0) and times.median_hours == 4.0 and times.max_hours == 5.0
    assert services.response_times(start, utcnow() + timedelta(hours=1), bank.other.id).raised == 0


def test_the_quarterly_evaluation_reports_response_times(bank):
    from trainer.evaluation.quarters import Quarter
    from trainer.evaluation.services import evaluate

    _report, [escalation] = escalated(bank)
    services.acknowledge(bank.supervisor, escalation.id, now=escalation.raised_at + timedelta(hours=2))
    quarter = Quarter.containing(today())
    times = evaluate(bank.hr, quarter).response_times
    assert (times.raised, times.acknowledged, times.median_hours) == (1, 1, 2.0)
    assert evaluate(bank.supervisor, quarter).response_times.raised == 1
    assert evaluate(bank.hr, quarter, department_id=bank.other.id).response_times.raised == 0
    assert evaluate(bank.officer, quarter).response_times is None
