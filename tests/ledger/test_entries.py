"""Logging rewards and sanctions: who may, what is refused (writing nothing), corrections."""
from datetime import date, datetime, timezone

import pytest

from trainer.people.models import Role
from trainer.certification import services as certification
from trainer.certification.models import CertificateStatus
from trainer.extensions import db
from trainer.ledger import services as ledger
from trainer.ledger.services import LedgerError

from tests import factories
from tests.ledger.conftest import inspection_by, snapshot


def test_rewards_are_positive_and_sanctions_negative(org):
    reward = ledger.log_entry(org.supervisor, org.officer, "outstanding_inspection", 8, "  Thorough report on L-17  ")
    sanction = ledger.log_entry(org.supervisor, org.officer, "late_inspection", 3, "March inspection 9 days late")
    assert (reward.points, reward.kind, reward.severity) == (8, "reward", "minor")
    assert (sanction.points, sanction.kind) == (-3, "sanction")
    assert reward.reason == "Thorough report on L-17"
    assert (reward.department_id, reward.logged_by_id, reward.seq, sanction.seq) == (
        org.home.id, org.supervisor.id, 1, 2)


def test_hr_and_admin_log_for_any_department(org):
    assert ledger.log_entry(org.hr, org.outsider, "loss_avoided", 30, "Stopped a fraudulent drawdown").points == 30
    assert ledger.log_entry(org.admin, org.officer, "late_inspection", 1, "Late by a day").points == -1


def test_an_inspection_filed_by_the_person_can_be_linked(org):
    report = inspection_by(org.officer)
    entry = ledger.log_entry(org.supervisor, org.officer, "risk_revealed_early", 10, "Spotted the stock build-up",
                             inspection_id=report.id)
    assert entry.inspection_id == report.id


def refusals(org):
    """(description, actor, person, category, points, reason, inspection, expected code)."""
    other_supervisor = factories.user(Role.SUPERVISOR, dept=org.other)
    unqualified = factories.user(Role.SUPERVISOR, dept=org.home)
    suspended = factories.user(Role.SUPERVISOR, dept=org.home)
    factories.certificate(suspended, code="inspector")
    factories.certificate(suspended, code="supervisor")
    factories.end_certificate(suspended, "suspended", "Under review")
    gone = factories.user(dept=org.home, active=False)
    foreign_report = inspection_by(org.outsider)
    ok = ("outstanding_inspection", 5, "Good work")
    return [
        ("staff may not log", org.officer, org.outsider, *ok, None, "not_allowed"),
        ("another department", org.supervisor, org.outsider, *ok, None, "other_department"),
        ("another department's supervisor", other_supervisor, org.officer, *ok, None, "other_department"),
        ("oneself", org.supervisor, org.supervisor, *ok, None, "self"),
        ("no supervisor qualification", unqualified, org.officer, *ok, None, "not_qualified"),
        ("inspector qualification suspended", suspended, org.officer, *ok, None, "not_qualified"),
        ("inactive person", org.supervisor, gone, *ok, None, "inactive_person"),
        ("unknown category", org.supervisor, org.officer, "bonus", 5, "Good work", None, "unknown_category"),
        ("below the range", org.supervisor, org.officer, "outstanding_inspection", 1, "Good", None, "points_out_of_range"),
        ("above the range", org.supervisor, org.officer, "outstanding_inspection", 11, "Good", None, "points_out_of_range"),
        ("zero", org.supervisor, org.officer, "late_inspection", 0, "Late", None, "points_out_of_range"),
        ("negative", org.supervisor, org.officer, "late_inspection", -3, "Late", None, "points_out_of_range"),
        ("not a number", org.supervisor, org.officer, "late_inspection", "3", "Late", None, "points_out_of_range"),
        ("empty reason", org.supervisor, org.officer, "late_inspection", 3, "", None, "reason_required"),
        ("blank reason", org.supervisor, org.officer, "late_inspection", 3, " \n\t ", None, "reason_required"),
        ("endless reason", org.supervisor, org.officer, "late_inspection", 3, "x" * 2001, None, "reason_too_long"),
        ("no such inspection", org.supervisor, org.officer, *ok, 99999, "unknown_inspection"),
        ("someone else's inspection", org.hr, org.officer, *ok, foreign_report.id, "inspection_of_other_person"),
        ("severe sanction by staff", org.officer, org.outsider, "loss_caused", 20, "Loss", None, "not_allowed"),
    ]


def test_every_refusal_says_why_and_writes_nothing(org):
    factories.certificate(org.officer)  # a severe sanction would suspend it, were it not refused
    for description, actor, person, category, points, reason, inspection, code in refusals(org):
        before = snapshot()
        with pytest.raises(LedgerError) as refused:
            ledger.log_entry(actor, person, category, points, reason, inspection_id=inspection)
        assert refused.value.code == code, description
        assert str(refused.value), description
        assert snapshot() == before, description


def test_refusal_messages_are_specific(org):
    with pytest.raises(LedgerError, match="from 2 to 10"):
        ledger.log_entry(org.supervisor, org.officer, "outstanding_inspection", 12, "Good")
    with pytest.raises(LedgerError, match="only for people of your own department"):
        ledger.log_entry(org.supervisor, org.outsider, "outstanding_inspection", 5, "Good")
    with pytest.raises(LedgerError, match="pass the supervisor exam"):
        ledger.log_entry(factories.user(Role.SUPERVISOR, dept=org.home), org.officer, "late_inspection", 2, "Late")


# --- corrections ----------------------------------------------------------------------

def test_a_reversal_cancels_the_entry_and_references_it(org):
    original = ledger.log_entry(org.supervisor, org.officer, "missed_warning_signal", 10, "Missed the overdue taxes")
    reversal = ledger.reverse_entry(org.supervisor, original, "  The taxes were paid on time: my mistake ")
    assert (reversal.kind, reversal.points, reversal.reverses_id, reversal.category, reversal.severity) == (
        "reversal", 10, original.id, "missed_warning_signal", "major")
    assert (reversal.person_id, reversal.seq, reversal.reason) == (org.officer.id, 2, "The taxes were paid on time: my mistake")
    [row] = ledger.annotate([original])
    assert row.reversed_by == ledger.Link(reversal.id, 2)
    [row] = ledger.annotate([reversal])
    assert row.reverses == ledger.Link(original.id, 1)


def test_an_entry_is_reversed_once_and_a_reversal_never(org):
    original = ledger.log_entry(org.supervisor, org.officer, "late_inspection", 2, "Late")
    reversal = ledger.reverse_entry(org.hr, original, "Was on leave")
    for entry, code in ((original, "already_reversed"), (reversal, "reversal_of_reversal")):
        before = snapshot()
        with pytest.raises(LedgerError) as refused:
            ledger.reverse_entry(org.hr, db.session.get(type(entry), entry.id), "Again")
        assert refused.value.code == code
        assert snapshot() == before


def test_reversing_follows_the_logging_rules(org):
    original = ledger.log_entry(org.hr, org.outsider, "late_inspection", 2, "Late")
    mine = ledger.log_entry(org.hr, org.officer, "late_inspection", 2, "Late")
    cases = [(org.supervisor, original, "Wrong", "other_department"), (org.officer, mine, "Wrong", "not_allowed"),
             (org.supervisor, mine, "   ", "reason_required")]
    for actor, entry, reason, code in cases:
        before = snapshot()
        with pytest.raises(LedgerError) as refused:
            ledger.reverse_entry(actor, db.session.get(type(entry), entry.id), reason)
        assert refused.value.code == code
        assert snapshot() == before


# --- the closed loop ----------------------------------------------------------------

NOON = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 5, 10, 9, 0, tzinfo=timezone.utc)


def test_a_severe_sanction_suspends_at_once_and_the_re_exam_reinstates(org):
    from tests.factories import qualify, read_modules, sit

    factories.load_content()
    assert qualify(org.officer, "inspector", NOON).passed
    entry = ledger.log_entry(org.hr, org.officer, "rule_violation", 20, "Disbursed before the collateral was registered",
                             now=LATER)
    assert not certification.is_qualified(org.officer, "inspector", date(2026, 5, 10))
    assert certification.standing(org.officer.id, "inspector", date(2026, 5, 10)).state == certification.SUSPENDED
    event = certification.events_for(org.officer.id)[0]
    assert (event.kind.value, event.actor_id, event.source) == ("suspended", None, f"ledger:{entry.seq}")
    assert event.reason == "Severe sanction: Breach of lending rules — Disbursed before the collateral was registered"
    assert ledger.suspension_caused_by(entry).id == event.id

    from trainer.exams import services as exams
    blocked = exams.eligibility(org.officer, "inspector", now=LATER)
    assert not blocked.can_start and blocked.missing_modules  # told what to re-read first

    read_modules(org.officer, "inspector")
    assert sit(org.officer, "inspector", datetime(2026, 5, 11, 9, tzinfo=timezone.utc)).passed
    assert certification.is_qualified(org.officer, "inspector", date(2026, 5, 11))
    assert certification.events_for(org.officer.id)[0].kind.value == "reinstated"


def test_a_severe_sanction_without_a_certificate_is_still_recorded(org):
    entry = ledger.log_entry(org.supervisor, org.officer, "loss_caused", 15, "Ignored the guarantor's insolvency")
    assert entry.points == -15 and ledger.suspension_caused_by(entry) is None
    assert certification.events_for(org.officer.id) == []


def test_lesser_sanctions_leave_the_qualification_alone(org):
    factories.certificate(org.officer)
    ledger.log_entry(org.supervisor, org.officer, "missed_warning_signal", 15, "Missed the overdue taxes")
    assert certification.is_qualified(org.officer, "inspector")
    assert certification.certificates_of(org.officer.id)[0].status is CertificateStatus.ACTIVE


# --- totals for the quarterly evaluation ----------------------------------------------------

def test_points_and_severe_sanctions_per_period_leave_reversed_entries_out(org):
    at = lambda *args: datetime(*args, tzinfo=timezone.utc)  # noqa: E731
    ledger.log_entry(org.hr, org.officer, "loss_avoided", 20, "Q1", now=at(2026, 3, 31, 21, 59))  # 23:59 in Madrid
    ledger.log_entry(org.hr, org.officer, "late_inspection", 2, "Q2", now=at(2026, 3, 31, 22, 0))  # 1 April in Madrid
    wrong = ledger.log_entry(org.hr, org.officer, "loss_caused", 30, "Q2, mistaken", now=at(2026, 4, 2, 9))
    ledger.reverse_entry(org.admin, wrong, "Another officer's loan", now=at(2026, 7, 3, 9))  # reversed next quarter
    severe = ledger.log_entry(org.hr, org.outsider, "rule_violation", 10, "Q2", now=at(2026, 5, 2, 9))
    ledger.log_entry(org.hr, org.outsider, "outstanding_inspection", 4, "Q2", now=at(2026, 6, 30, 21, 0))

    q1, q2 = (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30))
    assert ledger.points_by_person(*q1) == {org.officer.id: 20}
    assert ledger.points_by_person(*q2) == {org.officer.id: -2, org.outsider.id: -6}
    assert ledger.points_by_person(*q2, department_id=org.home.id) == {org.officer.id: -2}
    assert ledger.points_by_person(date(2026, 7, 1), date(2026, 9, 30)) == {}
    assert ledger.severe_sanctions_by_person(*q2) == {org.outsider.id}
    ledger.reverse_entry(org.admin, severe, "Approved by the credit committee after all")
    assert ledger.severe_sanctions_by_person(*q2) == set()
