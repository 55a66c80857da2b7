"""People added to a training batch are told its dates, through the outbox (trainer.notifications), in
the transaction that added them."""
from __future__ import annotations

from sqlalchemy import select

from trainer import events
from trainer.people.models import User
from trainer.certification.services import localised_title
from trainer.extensions import db
from trainer.formatting import long_day
from trainer.notifications.outbox import enqueue


@events.batch_members_added.connect
def _batch_members_added(_app, batch, user_ids, **_extra) -> None:
    if not user_ids:
        return
    for person in db.session.scalars(select(User).where(User.id.in_(user_ids), User.active.is_(True))
                                     .order_by(User.id)):
        enqueue("batch_due", person, {
            "batch": batch.name, "qualification": localised_title(batch.qualification),
            "starts_on": lambda language: long_day(batch.starts_on, language),
            "due_on": lambda language: long_day(batch.due_on, language),
        }, link="/exams/")
