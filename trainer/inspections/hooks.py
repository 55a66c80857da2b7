"""The author is told when a supervisor accepts or returns their report, through the outbox
(trainer.notifications), in the review's transaction."""
from __future__ import annotations

from trainer import events
from trainer.people.models import User
from trainer.extensions import db
from trainer.inspections.models import Loan, ReviewDecision
from trainer.notifications.outbox import enqueue


@events.report_reviewed.connect
def _report_reviewed(_app, report, review, reviewer, **_extra) -> None:
    author = db.session.get(User, report.author_id)
    loan = db.session.get(Loan, report.loan_id)
    context = {"loan_no": loan.loan_no, "borrower": loan.borrower, "reviewer": reviewer.full_name,
               "inspection_date": report.inspection_date.isoformat(), "quality_score": review.quality_score,
               "reasons": review.return_reasons}
    returned = review.decision is ReviewDecision.RETURNED
    enqueue("report_returned" if returned else "report_reviewed", author, context,
            link=f"/inspections/reports/{report.id}" + ("/edit" if returned else ""))
