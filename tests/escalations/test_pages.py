"""Escalations and notifications over HTTP: the page, acknowledging, the follow-up, the dashboard panel."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import report_content, today
from trainer.people.models import Role
from trainer.escalations.models import Escalation
from trainer.extensions import db
from trainer.inspections.services import file_report
from trainer.notifications.models import Notification
from trainer.timeutil import utcnow

RISK = "risk.office@bank.example.com"


@pytest.fixture
def escalation(bank, ctx):
    ctx.config["RISK_RECIPIENTS"] = [RISK]
    report = file_report(bank.officer, bank.loan, report_content(signals={"fund_diversion": "Paid to the owner"}),
                         submit=True)
    db.session.commit()
    return db.session.scalar(select(Escalation).where(Escalation.report_id == report.id))


def test_supervisor_acknowledges_and_records_the_follow_up(bank, escalation, client, login):
    login(bank.supervisor)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "1 escalated warning signal is open." in dashboard
    assert "Warning signal escalated: Funds diverted" not in dashboard  # the supervisor's locale is Spanish
    assert f'href="/escalations/{escalation.id}"' in dashboard  # the notification links to it
    page = client.get("/escalations/").get_data(as_text=True)
    assert "P-001" in page and "Not acknowledged" in page and "Funds diverted" in page
    response = client.post(f"/escalations/{escalation.id}/acknowledge")
    assert response.status_code == 302
    detail = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert bank.supervisor.full_name in detail and "Record the follow-up" in detail

    future = client.post(f"/escalations/{escalation.id}/follow-up",
                         data={"action_taken": "Froze the line", "action_on": (today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "cannot be in the future" in future.get_data(as_text=True)
    garbage = client.post(f"/escalations/{escalation.id}/follow-up", data={"action_taken": "x", "action_on": "31/31/31"})
    assert garbage.status_code == 422
    done = client.post(f"/escalations/{escalation.id}/follow-up",
                       data={"action_taken": "Froze the credit line", "action_on": today().isoformat()})
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(Escalation, escalation.id)
    assert row.action_taken == "Froze the credit line" and row.followed_up_by_id == bank.supervisor.id
    assert "No open escalations." in client.get("/escalations/").get_data(as_text=True)


def test_scoping(bank, escalation, client, login):
    other_supervisor = factories.user(Role.SUPERVISOR, dept=bank.other)
    login(other_supervisor)
    assert "P-001" not in client.get("/escalations/").get_data(as_text=True)
    assert client.get(f"/escalations/{escalation.id}").status_code == 403
    assert client.post(f"/escalations/{escalation.id}/acknowledge").status_code == 403
    client.post("/logout")
    login(bank.officer)
    assert client.get("/escalations/").status_code == 403
    client.post("/logout")
    login(bank.hr)
    page = client.get("/escalations/").get_data(as_text=True)
    assert "P-001" in page and "Acknowledge</button>" not in page  # HR sees, the recipients respond
    assert client.post(f"/escalations/{escalation.id}/acknowledge").status_code == 403
    assert client.get("/escalations/999999").status_code == 404


def test_hr_sees_overdue_escalations(bank, escalation, client, login):
    escalation.raised_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    login(bank.hr)
    assert "has not been acknowledged in time" in client.get("/dashboard").get_data(as_text=True)
    assert "Not acknowledged: overdue" in client.get("/escalations/").get_data(as_text=True)


def test_notifications_panel_and_mark_as_read(bank, escalation, client, login):
    bank.supervisor.locale = "en"
    db.session.commit()
    login(bank.supervisor)
    notification = db.session.scalar(select(Notification).where(Notification.user_id == bank.supervisor.id))
    assert notification.subject in client.get("/dashboard").get_data(as_text=True)
    response = client.post(f"/notifications/{notification.id}/read", data={"next": "/dashboard"})
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert "Nothing new." in client.get("/dashboard").get_data(as_text=True)
    listing = client.get("/notifications/?page=99999999999999999999").get_data(as_text=True)
    assert notification.subject in listing
    assert client.post("/notifications/read-all", data={"next": "//evil.example"}).location.endswith("/notifications/")
