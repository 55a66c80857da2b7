"""The qualification lifecycle and the gate, at service level."""
from datetime import date, datetime, timedelta, timezone

import pytest

from trainer.people.models import Role
from trainer.certification import services as cert
from trainer.certification.models import CertificateStatus, EventKind
from trainer.exams import services as exams

from tests import factories
from tests.factories import qualify, read_modules, sit

NOON = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)  # 2 March 2026, noon in Madrid


@pytest.fixture
def person(ctx):
    factories.load_content()
    return factories.user()


def test_passing_grants_twelve_months(person):
    attempt = qualify(person, "inspector", NOON)
    assert attempt.passed
    standing = cert.standing(person.id, "inspector", date(2026, 3, 2))
    assert standing.state == cert.ACTIVE
    assert (standing.certificate.valid_from, standing.certificate.expires_on) == (date(2026, 3, 2), date(2027, 3, 1))
    assert [e.kind for e in cert.events_for(person.id)] == [EventKind.GRANTED]


def test_the_gate_follows_the_dates(person):
    qualify(person, "inspector", NOON)
    assert not cert.is_qualified(person, "inspector", date(2026, 3, 1))
    assert cert.is_qualified(person, "inspector", date(2026, 3, 2))
    assert cert.is_qualified(person, "inspector", date(2027, 3, 1))
    assert not cert.is_qualified(person, "inspector", date(2027, 3, 2))


def test_expiring_inside_the_window_then_expired(person):
    qualify(person, "inspector", NOON)
    assert cert.standing(person.id, "inspector", date(2026, 12, 30)).state == cert.ACTIVE
    assert cert.standing(person.id, "inspector", date(2026, 12, 31)).state == cert.EXPIRING  # 60 days before
    assert cert.standing(person.id, "inspector", date(2027, 3, 2)).state == cert.EXPIRED


def test_renewal_only_inside_the_window_and_without_losing_days(person):
    qualify(person, "inspector", NOON)
    early = exams.eligibility(person, "inspector", now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert not early.can_start and early.renewal_opens_on == date(2026, 12, 31)
    renewal = sit(person, "inspector", datetime(2027, 1, 15, 10, tzinfo=timezone.utc))
    assert renewal.passed
    latest = cert.certificates_of(person.id)[0]
    assert (latest.valid_from, latest.expires_on) == (date(2027, 3, 2), date(2028, 3, 1))
    assert cert.is_qualified(person, "inspector", date(2027, 3, 1))  # the old one still covers this day
    assert cert.is_qualified(person, "inspector", date(2028, 3, 1))
    assert [e.kind for e in cert.events_for(person.id)][0] == EventKind.RENEWED


def test_suspension_needs_a_reason_ends_validity_and_demands_retraining(person):
    qualify(person, "inspector", NOON)
    hr = factories.user(Role.HR)
    with pytest.raises(cert.LifecycleError):
        cert.suspend(person, "inspector", hr, "   ")
    later = datetime(2026, 5, 10, 9, tzinfo=timezone.utc)
    cert.suspend(person, "inspector", hr, "Missed two warning signals", now=later)
    assert cert.is_qualified(person, "inspector", date(2026, 5, 9))  # history is kept
    assert not cert.is_qualified(person, "inspector", date(2026, 5, 10))
    assert cert.standing(person.id, "inspector", date(2026, 5, 10)).state == cert.SUSPENDED
    event = cert.events_for(person.id)[0]
    assert (event.kind, event.actor_id, event.reason) == (EventKind.SUSPENDED, hr.id, "Missed two warning signals")
    blocked = exams.eligibility(person, "inspector", now=later)
    assert not blocked.can_start and blocked.missing_modules  # must read the modules again


def test_reinstatement_after_retraining_and_a_passed_re_exam(person):
    qualify(person, "inspector", NOON)
    cert.suspend(person, "inspector", None, "Severe sanction", source="ledger:1",
                 now=datetime(2026, 5, 10, 9, tzinfo=timezone.utc))
    read_modules(person, "inspector")
    back = sit(person, "inspector", datetime(2026, 5, 11, 9, tzinfo=timezone.utc))
    assert back.passed
    standing = cert.standing(person.id, "inspector", date(2026, 5, 11))
    assert standing.state == cert.ACTIVE and standing.certificate.valid_from == date(2026, 5, 11)
    assert cert.events_for(person.id)[0].kind == EventKind.REINSTATED


def test_revocation_is_recorded_with_who_and_why(person):
    qualify(person, "inspector", NOON)
    admin = factories.user(Role.ADMIN)
    cert.revoke(person, "inspector", admin, "Falsified an inspection report", now=datetime(2026, 4, 1, tzinfo=timezone.utc))
    certificate = cert.standing(person.id, "inspector", date(2026, 4, 1)).certificate
    assert certificate.status is CertificateStatus.REVOKED
    assert not cert.is_qualified(person, "inspector", date(2026, 4, 2))
    with pytest.raises(cert.LifecycleError):
        cert.revoke(person, "inspector", admin, "again")  # nothing valid left to revoke


def test_supervisor_needs_inspector_first_and_both_for_the_gate(person):
    supervisor_check = exams.eligibility(person, "supervisor", now=NOON)
    assert supervisor_check.missing_prerequisites == ["inspector"]
    qualify(person, "inspector", NOON)
    qualify(person, "supervisor", NOON + timedelta(hours=1))
    assert cert.is_qualified(person, "supervisor", date(2026, 6, 1))
    cert.suspend(person, "inspector", None, "Severe sanction", now=datetime(2026, 6, 2, tzinfo=timezone.utc))
    assert not cert.is_qualified(person, "supervisor", date(2026, 6, 3))


def test_nobody_is_qualified_without_a_certificate(person):
    assert not cert.is_qualified(person, "inspector")
    assert cert.standing(person.id, "inspector").state == cert.NONE


def test_standing_on_a_past_day_shows_the_state_of_that_day(person):
    qualify(person, "inspector", NOON)
    cert.suspend(person, "inspector", factories.user(Role.HR), "Severe sanction",
                 now=datetime(2026, 5, 10, 9, tzinfo=timezone.utc))
    assert cert.standing(person.id, "inspector", date(2026, 5, 9)).state == cert.ACTIVE
    assert cert.standing(person.id, "inspector", date(2026, 5, 10)).state == cert.SUSPENDED
    assert cert.standing(person.id, "inspector", date(2026, 3, 1)).state == cert.NONE


def test_after_an_early_renewal_today_still_shows_the_certificate_in_force(person):
    qualify(person, "inspector", NOON)
    sit(person, "inspector", datetime(2027, 1, 15, 10, tzinfo=timezone.utc))
    [inspector] = [s for s in cert.standings(person.id, date(2027, 1, 20)) if s.qualification.code == "inspector"]
    assert inspector.state == cert.EXPIRING and inspector.certificate.expires_on == date(2027, 3, 1)
    assert cert.standing(person.id, "inspector", date(2027, 3, 2)).certificate.expires_on == date(2028, 3, 1)
