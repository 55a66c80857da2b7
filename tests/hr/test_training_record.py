"""The person page's training record: completions with versions and the statement,
and the reading record the server measured, in a fixed number of queries."""
from datetime import datetime, timezone

from markupsafe import escape
from sqlalchemy import select

from trainer.people.models import Role
from trainer.content import services as content
from trainer.content.models import ModuleCompletion
from trainer.extensions import db

from tests import factories


def test_the_person_page_shows_completions_and_the_reading_record(app, client, login, count_queries):
    with app.app_context():
        factories.load_content()
        hr = factories.user(Role.HR)
        person = factories.user(dept=hr.department)
        module = content.active_modules()[0]
        content.read_through(person, module, start=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
        db.session.commit()
        completion = db.session.scalar(select(ModuleCompletion).where(ModuleCompletion.user_id == person.id))
        statement = completion.confirmation.statement_text
        person_id, slug, version, sections = person.id, module.slug, module.version, module.section_count
    login(hr)
    with count_queries() as one_module:
        page = client.get(f"/people/{person_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-module="{slug}"' in html and f'data-version="{version}"' in html
    assert str(escape(statement[:40])) in html
    assert f"{sections} of {sections} sections read" in html
    with app.app_context():
        from trainer.people.models import User
        person = db.session.get(User, person_id)
        for other in content.active_modules()[1:4]:
            content.read_through(person, other)
        db.session.commit()
    with count_queries() as more_modules:
        client.get(f"/people/{person_id}")
    assert len(more_modules) == len(one_module)
