"""The gate: only people qualified on the inspection date and on the filing day file, edit or submit;
only valid supervisors review. Each refusal says why and what to do."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from trainer import formatting
from trainer.people.models import Role
from trainer.extensions import db
from trainer.inspections import review, services
from trainer.inspections.gate import GateRefused, require_inspector, require_supervisor
from trainer.inspections.models import InspectionReport, ReportStatus

from tests import factories
from tests.factories import certify, read_modules, report_content, today
from tests.inspections.helpers import EXPECTED_REASON, STATES, put_in_state


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InspectionReport))


@pytest.mark.parametrize("state", STATES)
def test_creating_is_refused_with_the_reason(bank, state):
    put_in_state(bank.officer, state)
    with pytest.raises(GateRefused) as refused:
        services.file_report(bank.officer, bank.loan, report_content())
    assert refused.value.code == {"unqualified": "never_qualified"}.get(state, state)
    assert EXPECTED_REASON[state] in refused.value.message
    assert "inspector exam" in refused.value.what_to_do and "/exams/" not in refused.value.what_to_do
    assert report_count() == 0


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_editing_and_submitting_are_refused_once_the_person_is_not_qualified(bank, state, action):
    draft = services.file_report(bank.officer, bank.loan, report_content())
    put_in_state(bank.officer, state)
    change = services.save_report if action == "save" else services.submit_report
    with pytest.raises(GateRefused) as refused:
        change(bank.officer, draft.id, draft.revision, report_content(signals={}))
    assert EXPECTED_REASON[state] in refused.value.message
    db.session.expire_all()
    stored = db.session.get(InspectionReport, draft.id)
    assert (stored.status, stored.revision) == (ReportStatus.DRAFT, 1)


def test_expired_message_names_the_date(bank):
    put_in_state(bank.officer, "expired")
    with pytest.raises(GateRefused) as refused:
        require_inspector(bank.officer, today())
    assert refused.value.message == f"Your Post-loan inspector qualification expired on {formatting.day(today() - timedelta(days=1))}."


def test_an_expired_inspector_cannot_back_date_a_report(bank):
    """Qualified on the inspection date is not enough: the author must be qualified on the filing day too."""
    put_in_state(bank.officer, "expired")  # expired yesterday
    for day in (today() - timedelta(days=7), today() - timedelta(days=1), today()):
        with pytest.raises(GateRefused) as refused:
            services.file_report(bank.officer, bank.loan, report_content(day))
        assert refused.value.code == "expired" and EXPECTED_REASON["expired"] in refused.value.message
    assert report_count() == 0


def test_not_yet_qualified_on_the_inspection_date(bank):
    person = factories.user(dept=bank.home)
    certify(person, starts_in=-2)
    with pytest.raises(GateRefused) as refused:
        services.file_report(person, bank.loan, report_content(today() - timedelta(days=5)))
    assert refused.value.code == "not_yet_valid"


def test_a_suspension_stops_even_reports_dated_before_it(bank):
    put_in_state(bank.officer, "suspended")
    with pytest.raises(GateRefused) as refused:
        services.file_report(bank.officer, bank.loan, report_content(today() - timedelta(days=20)))
    assert refused.value.code == "suspended"


def test_a_deactivated_person_is_refused(bank):
    bank.officer.active = False
    db.session.commit()
    with pytest.raises(GateRefused) as refused:
        require_inspector(bank.officer, today())
    assert refused.value.code == "inactive"


def test_what_to_do_names_the_modules_to_read(bank):
    factories.load_content()
    with pytest.raises(GateRefused) as refused:
        require_inspector(factories.user(dept=bank.home), today())
    assert refused.value.modules and "inspection-areas" in [m.slug for m in refused.value.modules]
    assert refused.value.what_to_do.startswith("Read ")
    reader = factories.user(dept=bank.home)
    read_modules(reader, "inspector")
    with pytest.raises(GateRefused) as refused:
        require_inspector(reader, today())
    assert refused.value.modules == []
    assert refused.value.what_to_do == "Pass the Post-loan inspector exam."


def test_after_a_suspension_the_modules_to_reread_are_named(bank):
    factories.load_content()
    read_modules(bank.officer, "inspector")
    put_in_state(bank.officer, "suspended")
    with pytest.raises(GateRefused) as refused:
        require_inspector(bank.officer, today())
    assert refused.value.modules, "a suspension assigns the modules again"


@pytest.mark.parametrize("state", STATES)
def test_reviewing_needs_a_valid_supervisor(bank, state):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    put_in_state(bank.supervisor, state, code="supervisor")
    with pytest.raises(GateRefused):
        review.review_report(bank.supervisor, report.id, review.ReviewInput(
            "accepted", "Fine", {"coverage": 4, "timeliness": 4, "signal_accuracy": 4, "analysis_quality": 4},
            {}))
    assert db.session.get(InspectionReport, report.id).status is ReportStatus.SUBMITTED


def test_a_supervisor_must_also_be_a_valid_inspector(bank):
    person = factories.user(Role.SUPERVISOR, dept=bank.home)
    certify(person, "supervisor")
    with pytest.raises(GateRefused) as refused:
        require_supervisor(person)
    assert refused.value.code == "prerequisite"
    certify(person, "inspector")
    require_supervisor(person)
