"""Department scoping: who sees which person."""
import pytest

from trainer.auth.models import Role, User
from trainer.extensions import db
from trainer.security import can_view_person

from tests import factories


@pytest.fixture
def people(app):
    with app.app_context():
        home, other = factories.department(), factories.department()
        made = {
            "staff": factories.user(dept=home), "colleague": factories.user(dept=home),
            "supervisor": factories.user(Role.SUPERVISOR, dept=home), "hr": factories.user(Role.HR, dept=home),
            "stranger": factories.user(dept=other),
        }
        return {name: (p.id, p.email) for name, p in made.items()}


@pytest.mark.parametrize("viewer, target, allowed", [
    ("staff", "staff", True), ("staff", "colleague", False), ("staff", "stranger", False),
    ("supervisor", "colleague", True), ("supervisor", "stranger", False),
    ("hr", "stranger", True), ("hr", "colleague", True),
])
def test_person_page_follows_department_rules(client, people, viewer, target, allowed):
    client.post("/login", data={"login": people[viewer][1], "password": factories.PASSWORD})
    response = client.get(f"/people/{people[target][0]}")
    assert response.status_code == (200 if allowed else 403)


def test_supervisor_list_shows_only_their_department(client, people):
    client.post("/login", data={"login": people["supervisor"][1], "password": factories.PASSWORD})
    # A department filter in the URL cannot widen a supervisor's view.
    page = client.get("/people/?department=999").get_data(as_text=True)
    with client.application.app_context():
        names = {k: db.session.get(User, v[0]).full_name for k, v in people.items()}
    assert names["colleague"] in page and names["stranger"] not in page


def test_hr_list_can_filter_by_department(client, people, app):
    with app.app_context():
        stranger = db.session.get(User, people["stranger"][0])
        names = (stranger.full_name, db.session.get(User, people["colleague"][0]).full_name, stranger.department_id)
    client.post("/login", data={"login": people["hr"][1], "password": factories.PASSWORD})
    page = client.get(f"/people/?department={names[2]}").get_data(as_text=True)
    assert names[0] in page and names[1] not in page


def test_rule_function_directly(ctx):
    home, other = factories.department(), factories.department()
    supervisor = factories.user(Role.SUPERVISOR, dept=home)
    assert can_view_person(supervisor, factories.user(dept=home))
    assert not can_view_person(supervisor, factories.user(dept=other))
    assert can_view_person(factories.user(Role.ADMIN, dept=other), supervisor)
