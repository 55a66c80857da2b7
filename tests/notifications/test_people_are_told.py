"""The notifications people need, through the outbox, in their language, to a real SMTP server."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.inspections.conftest import bank  # noqa: F401
from tests.factories import certify, report_content
from trainer.people.models import Role
from trainer.batches.services import add_members, create_batch
from trainer.certification.services import today
from trainer.extensions import db
from trainer.inspections import review
from trainer.inspections.models import RaisedSignal
from trainer.inspections.review import ReviewInput
from trainer.inspections.services import file_report
from trainer.ledger.services import log_entry
from trainer.notifications.models import Notification
from trainer.notifications.outbox import deliver_pending

FULL_MARKS = {"coverage": 4, "timeliness": 4, "signal_accuracy": 4, "analysis_quality": 4}


def reviewed(bank, decision, reasons=""):  # noqa: F811
    report = file_report(bank.officer, bank.loan, report_content(), submit=True)
    confirmations = {s.id: True for s in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
    review.review_report(bank.supervisor, report.id, ReviewInput(decision, "Opinion", FULL_MARKS, confirmations,
                                                                  return_reasons=reasons))
    return report


def test_the_author_is_told_a_report_was_returned(bank, smtp_server):  # noqa: F811
    bank.officer.locale = "en"
    db.session.commit()
    report = reviewed(bank, "returned", "Describe the warehouse.")
    deliver_pending()
    [mail] = smtp_server.to(bank.officer.email)
    assert mail.message["Subject"] == "Inspection report on loan P-001 returned for correction"
    assert "Describe the warehouse." in mail.body and bank.supervisor.full_name in mail.body
    assert f"https://trainer.bank.example.com/inspections/reports/{report.id}/edit" in mail.body
    assert db.session.scalar(select(Notification.link).where(Notification.user_id == bank.officer.id)) == \
        f"/inspections/reports/{report.id}/edit"


def test_the_author_is_told_a_report_was_reviewed_in_spanish(bank, smtp_server):  # noqa: F811
    reviewed(bank, "accepted")
    deliver_pending()
    [mail] = smtp_server.to(bank.officer.email)
    assert mail.message["Subject"] == "Informe de inspección del préstamo P-001 revisado"
    assert "100/100" in mail.body


def test_a_ledger_entry_and_the_suspension_it_causes(bank, smtp_server):  # noqa: F811
    factories.load_content()
    bank.officer.locale = "en"
    db.session.commit()
    log_entry(bank.supervisor, bank.officer, "rule_violation", 20, "Disbursed before the collateral was registered")
    deliver_pending()
    subjects = sorted(mail.message["Subject"].strip() for mail in smtp_server.to(bank.officer.email))
    assert subjects == ["New entry in your rewards and sanctions record: Breach of lending rules",
                        "Your Post-loan inspector qualification has been suspended"]
    suspension = next(m for m in smtp_server.to(bank.officer.email) if "suspended" in m.message["Subject"])
    assert "read these modules again" in suspension.body and "  - " in suspension.body


def test_nothing_is_sent_for_a_refused_ledger_entry(bank, smtp_server):  # noqa: F811
    try:
        log_entry(bank.officer, bank.officer, "outstanding_inspection", 5, "Myself")
    except Exception:  # noqa: BLE001 - refused: nobody logs about themselves
        db.session.rollback()
    assert deliver_pending().sent == 0


def test_batch_members_are_told_the_due_date(ctx, smtp_server):
    from tests.factories import load_content

    load_content()
    hr = factories.user(Role.HR)
    member = factories.user(locale="en")
    certify(member)
    batch = create_batch(hr, "Autumn inspectors", "inspector", today(), today() + timedelta(days=30))
    add_members(batch, hr, [member.id])
    db.session.commit()
    deliver_pending()
    [mail] = smtp_server.to(member.email)
    assert mail.message["Subject"].startswith('Training batch "Autumn inspectors": due on')
    add_members(batch, hr, [member.id])  # already in: not told again
    db.session.commit()
    assert deliver_pending().sent == 0
