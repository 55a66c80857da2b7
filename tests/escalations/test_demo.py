"""The demo data holds an escalation, acknowledged and followed up, raised through the real hook."""
from sqlalchemy import func, select

from trainer.escalations.models import Escalation
from trainer.extensions import db
from trainer.notifications.models import OutboxMessage


def test_demo_has_an_escalation_followed_up(demo_app):
    app = demo_app
    with app.app_context():
        escalations = db.session.scalars(select(Escalation)).all()
        assert escalations and escalations[0].signal == "liquidity_strain"
        done = [e for e in escalations if e.followed_up_at is not None]
        assert done and done[0].acknowledged_at is not None and done[0].action_on is not None
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "escalation")) >= 1
