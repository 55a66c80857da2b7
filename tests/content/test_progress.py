"""Reading progress and completion rules."""
import pytest
from sqlalchemy import func, select

from trainer.content import services
from trainer.content.models import ModuleCompletion
from trainer.extensions import db

from tests import factories
from tests.concurrency import run_concurrently


@pytest.fixture
def module(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2)
    services.sync_modules(services.read_sources(tree.content, tree.bank))
    return services.module_by_slug("alpha")


def test_progress_follows_the_furthest_section_read(ctx, module):
    person = factories.user()
    services.record_reading(person, module, 2)
    services.record_reading(person, module, 1)  # going back keeps the furthest
    [alpha, beta] = services.progress_for(person, "es").modules
    assert (alpha.furthest_section, alpha.percent, alpha.completed) == (2, 66, False)
    assert beta.percent == 0


def test_complete_requires_reaching_the_last_section(ctx, module):
    person = factories.user()
    services.record_reading(person, module, 2)
    with pytest.raises(services.NotFinishedReading):
        services.complete_module(person, module)
    services.record_reading(person, module, 3)
    completion = services.complete_module(person, module)
    assert completion.version == 1
    course = services.progress_for(person, "es")
    assert course.modules[0].completed and course.percent == 50


def test_completing_twice_records_once(ctx, module):
    person = factories.user()
    services.record_reading(person, module, 3)
    first = services.complete_module(person, module)
    assert services.complete_module(person, module).id == first.id


def test_new_version_asks_to_read_again(ctx, module, tree):
    person = factories.user()
    services.record_reading(person, module, 3)
    services.complete_module(person, module)
    tree.write("alpha", version=2)
    services.sync_modules(services.read_sources(tree.content, tree.bank))
    alpha = services.progress_for(person, "es").modules[0]
    assert not alpha.completed and alpha.needs_reread and alpha.furthest_section == 0
    ok, missing = services.has_completed_current(person.id, "inspector")
    assert not ok and {m.slug for m in missing} == {"alpha", "beta"}


def test_title_follows_the_language_with_spanish_fallback(ctx, module):
    person = factories.user()
    assert services.progress_for(person, "en").modules[0].title == "alpha en"
    assert services.progress_for(person, "fr").modules[0].title == "alpha es"


def test_concurrent_completions_leave_one_record(app, ctx, module):
    from trainer.auth.models import User
    from trainer.content.models import Module

    person = factories.user()
    services.record_reading(person, module, 3)
    person_id, module_id = person.id, module.id
    _, errors = run_concurrently(app, 4, lambda: services.complete_module(
        db.session.get(User, person_id), db.session.get(Module, module_id)))
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(ModuleCompletion)) == 1
