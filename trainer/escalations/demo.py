"""The demo's escalation: the demo report that raised a high-severity signal escalated on submission
(through the real hook); here its supervisor acknowledges it and records the follow-up, as they would have."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from trainer.escalations import services
from trainer.escalations.models import Escalation
from trainer.extensions import db
from trainer.inspections.models import InspectionReport
from trainer.timeutil import as_utc


def seed_demo_escalation(today: date) -> None:
    oldest = db.session.scalar(select(Escalation).where(Escalation.acknowledged_at.is_(None))
                               .order_by(Escalation.raised_at, Escalation.id).limit(1))
    if oldest is None or db.session.scalar(select(Escalation.id).where(Escalation.acknowledged_at.is_not(None))):
        return
    report = db.session.get(InspectionReport, oldest.report_id)
    supervisor = next((p for p in services.supervisors_of(oldest.department_id) if p.id != report.author_id), None)
    if supervisor is None:
        return
    raised = as_utc(oldest.raised_at)
    services.acknowledge(supervisor, oldest.id, now=raised + timedelta(hours=3))
    action_day = min(services.bank_today(raised) + timedelta(days=1), today)
    services.record_follow_up(supervisor, oldest.id, "Llamada al prestatario y visita a sus dos proveedores principales; "
                              "se pide un plan de tesorería a 90 días y se vigila la cuenta semanalmente.",
                              action_day, now=raised + timedelta(days=1))
