"""Reading progress and completion rules."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from trainer.content import services
from trainer.content.models import ModuleCompletion
from trainer.extensions import db

from tests import factories
from tests.concurrency import run_concurrently

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def module(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2)
    services.sync_modules(services.read_sources(tree.content, tree.bank))
    return services.module_by_slug("alpha")


def test_progress_counts_the_sections_read(ctx, module):
    person = factories.user()
    services.open_section(person, module, 1, now=at(0))
    services.open_section(person, module, 2, now=at(30))
    services.open_section(person, module, 3, now=at(60))
    services.open_section(person, module, 1, now=at(65))  # going back keeps what was read
    [alpha, beta] = services.progress_for(person, "es").modules
    assert (alpha.furthest_section, alpha.percent, alpha.completed) == (2, 66, False)
    assert beta.percent == 0


def test_complete_requires_every_section(ctx, module):
    person = factories.user()
    services.open_section(person, module, 1, now=at(0))
    services.open_section(person, module, 2, now=at(30))
    with pytest.raises(services.NotFinishedReading):
        services.complete_module(person, module, confirmed=True, now=at(60))
    services.open_section(person, module, 3, now=at(90))
    completion = services.complete_module(person, module, confirmed=True, now=at(120))
    assert completion.version == 1
    course = services.progress_for(person, "es")
    assert course.modules[0].completed and course.percent == 50


def test_completing_twice_records_once(ctx, module):
    person = factories.user()
    first = services.read_through(person, module)
    assert services.complete_module(person, module, confirmed=True).id == first.id


def test_new_version_asks_to_read_again(ctx, module, tree):
    person = factories.user()
    services.read_through(person, module)
    tree.write("alpha", version=2)
    services.sync_modules(services.read_sources(tree.content, tree.bank))
    alpha = services.progress_for(person, "es").modules[0]
    assert not alpha.completed and alpha.needs_reread and alpha.furthest_section == 0
    ok, missing = services.has_completed_current(person.id, "inspector")
    assert not ok and {m.slug for m in missing} == {"alpha", "beta"}
    # What was read of version 1 does not count for version 2.
    assert services.reading_status(person, services.module_by_slug("alpha")).read_count == 0


def test_title_follows_the_language_with_spanish_fallback(ctx, module):
    person = factories.user()
    assert services.progress_for(person, "en").modules[0].title == "alpha en"
    assert services.progress_for(person, "fr").modules[0].title == "alpha es"


def test_concurrent_completions_leave_one_record(app, ctx, module):
    from trainer.people.models import User
    from trainer.content.models import Module, ReadingConfirmation

    person = factories.user()
    for n in (1, 2, 3):
        services.open_section(person, module, n, now=at(30 * n))
    db.session.commit()
    person_id, module_id = person.id, module.id

    def complete():
        services.complete_module(db.session.get(User, person_id), db.session.get(Module, module_id), confirmed=True,
                                 now=at(200))
        db.session.commit()

    _, errors = run_concurrently(app, 4, complete)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(ModuleCompletion)) == 1
    assert db.session.scalar(select(func.count()).select_from(ReadingConfirmation)) == 1
