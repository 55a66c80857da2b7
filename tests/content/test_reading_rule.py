"""The reading rule: in order, each section for its minimum time measured by the
server, and the statement confirmed; re-read assignments follow the same rule."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from trainer.content import services
from trainer.content.models import ModuleCompletion, ReadAssignment, SectionReading
from trainer.content.policy import reading_policy
from trainer.extensions import db

from tests import factories
from tests.concurrency import run_concurrently

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
FLOOR = 20  # policies/reading.yaml: the tree's sections are short, so the floor applies


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def module(ctx, tree):
    tree.write("alpha")
    services.sync_modules(services.read_sources(tree.content, tree.bank))
    return services.module_by_slug("alpha")


def test_minimum_time_comes_from_the_policy_and_the_length(ctx, module):
    policy = reading_policy()
    assert (policy.words_per_minute, policy.min_seconds_per_section) == (200, FLOOR)
    assert policy.seconds_for(["word " * 10]) == FLOOR
    assert policy.seconds_for(["word " * 400, "word " * 300]) == 90  # the shorter translation, at 200 a minute


def test_opening_only_the_last_section_cannot_complete(ctx, module):
    person = factories.user()
    services.open_section(person, module, 3, now=at(0))
    with pytest.raises(services.NotFinishedReading) as refused:
        services.complete_module(person, module, confirmed=True, now=at(600))
    assert [s.position for s in refused.value.status.blocking] == [1, 2, 3]
    assert db.session.scalar(select(ModuleCompletion)) is None


def test_out_of_order_reading_does_not_count(ctx, module):
    person = factories.user()
    services.open_section(person, module, 2, now=at(0))  # before section 1: recorded, not started
    row = db.session.get(SectionReading, (person.id, module.id, 1, 1, 2))
    assert row.first_opened_at is not None and row.started_at is None
    services.open_section(person, module, 3, now=at(100))
    status = services.open_section(person, module, 1, now=at(200))
    assert status.read_count == 0
    # Read in order from here: section 2's time runs from when it was opened after section 1.
    services.open_section(person, module, 2, now=at(230))
    status = services.open_section(person, module, 3, now=at(240))
    assert [s.read for s in status.sections] == [True, False, False]
    assert status.sections[1].seconds_left == FLOOR - 10


def test_too_fast_reading_is_refused_with_the_reason(ctx, module):
    person = factories.user()
    for n in (1, 2, 3):
        services.open_section(person, module, n, now=at(n * 5))  # 5 s a section, 20 s needed
    with pytest.raises(services.NotFinishedReading) as refused:
        services.complete_module(person, module, confirmed=True, now=at(16))
    status = refused.value.status
    assert [s.position for s in status.blocking] == [1, 2, 3]
    first = status.sections[0]
    assert first.started and not first.read and first.seconds_left == FLOOR - 11  # read too quickly
    assert not status.sections[1].started  # its clock never started: section 1 was not read
    assert db.session.scalar(select(ModuleCompletion)) is None


def test_leaving_a_section_early_then_returning_counts_from_the_first_opening(ctx, module):
    person = factories.user()
    services.open_section(person, module, 1, now=at(0))
    services.open_section(person, module, 2, now=at(5))  # too early: 1 not read, 2 not started
    services.open_section(person, module, 1, now=at(10))
    status = services.open_section(person, module, 2, now=at(FLOOR))
    assert status.is_read(1) and status.sections[1].started_at == at(FLOOR)


def test_missing_confirmation_is_refused(ctx, module):
    person = factories.user()
    for n in (1, 2, 3):
        services.open_section(person, module, n, now=at(n * 30))
    with pytest.raises(services.NotConfirmed):
        services.complete_module(person, module, confirmed=False, now=at(200))
    assert db.session.scalar(select(ModuleCompletion)) is None


def test_legitimate_reading_stores_the_statement(ctx, module):
    person = factories.user()
    for n in (1, 2, 3):
        services.open_section(person, module, n, now=at(n * 30))
    completion = services.complete_module(person, module, confirmed=True, locale="en", now=at(200))
    confirmation = completion.confirmation
    assert confirmation.statement_text == reading_policy().statement.text("en")
    assert (confirmation.statement_version, confirmation.locale, confirmation.confirmed_at) == (1, "en", at(200))
    readings = db.session.scalars(select(SectionReading).where(SectionReading.user_id == person.id)
                                  .order_by(SectionReading.position)).all()
    assert [(r.started_at, r.read_at) for r in readings] == [
        (at(30), at(60)), (at(60), at(90)), (at(90), at(200))]


def test_read_through_builds_a_legitimate_record(ctx, module):
    person = factories.user()
    completion = services.read_through(person, module, start=T0)
    assert completion.completed_at == at(3 * (FLOOR + 1)) and completion.confirmation is not None


def test_a_reread_assignment_goes_through_the_same_rule(ctx, module):
    person = factories.user()
    first = services.read_through(person, module, start=T0)
    services.assign_rereading(person.id, "inspector", "suspended")
    db.session.commit()
    assert not services.has_completed_current(person.id, "inspector")[0]
    # The earlier reading no longer counts: opening the last section and completing is refused.
    services.open_section(person, module, 3, now=at(1000))
    with pytest.raises(services.NotFinishedReading):
        services.complete_module(person, module, confirmed=True, now=at(2000))
    assignment = db.session.scalar(select(ReadAssignment))
    assert assignment.done_at is None
    services.read_through(person, module, start=at(3000))
    db.session.commit()
    db.session.refresh(assignment)
    assert assignment.done_at is not None and assignment.confirmation_id not in (None, first.confirmation_id)
    assert services.has_completed_current(person.id, "inspector")[0]


def test_opening_a_section_in_several_tabs_at_once_records_one_reading(app, ctx, module):
    from trainer.people.models import User
    from trainer.content.models import Module

    person = factories.user()
    person_id, module_id = person.id, module.id

    def open_first():
        services.open_section(db.session.get(User, person_id), db.session.get(Module, module_id), 1, now=at(0))
        db.session.commit()

    _, errors = run_concurrently(app, 4, open_first)
    assert errors == []
    assert len(db.session.scalars(select(SectionReading).where(SectionReading.user_id == person_id)).all()) == 1
