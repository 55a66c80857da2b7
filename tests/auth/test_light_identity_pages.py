"""The most visited pages (dashboard, module list, a section) read the session's person without ORM
objects (security.identity_only): they show the same person and refuse the same sessions as every page."""
import pytest
from flask import url_for

from trainer.extensions import db
from trainer.people.models import Role, User

from tests import factories

PAGES = ["/dashboard", "/modules/"]


@pytest.fixture
def person(app):
    with app.app_context():
        factories.load_content()
        dept = factories.department()
        dept.name = "Riesgos Norte"
        person = factories.user(Role.SUPERVISOR, dept=dept, locale="en")
        person.full_name = "Ana Light"
        db.session.commit()
        return person.id, person.email


def test_the_pages_show_the_person_their_department_and_their_menus(app, client, login, person, count_queries):
    _id, email = person
    login(email)
    with app.test_request_context():
        queue = url_for("inspections.queue")
    for path in PAGES + ["/modules/inspection-areas/1"]:
        client.get(path)
        with count_queries() as queries:
            html = client.get(path).get_data(as_text=True)
        assert "Ana Light" in html and "Riesgos Norte" in html and queue in html, path
        assert sum("FROM users" in q for q in queries) == 1, path  # the identity, no second load of the person


@pytest.mark.parametrize("change", ["deactivated", "session ended", "temporary password"])
def test_the_pages_refuse_like_every_page(app, client, login, person, change):
    user_id, email = person
    login(email)
    assert all(client.get(path).status_code == 200 for path in PAGES)
    with app.app_context():
        someone = db.session.get(User, user_id)
        if change == "deactivated":
            someone.active = False
        elif change == "session ended":
            someone.session_version += 1
        else:
            someone.must_change_password = True
        db.session.commit()
    for path in PAGES:
        refused = client.get(path)
        target = "/account/password" if change == "temporary password" else "/login"
        assert refused.status_code == 302 and target in refused.location, (path, refused.location)
