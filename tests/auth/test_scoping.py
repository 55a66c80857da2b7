"""Department scoping: who sees which person."""
import pytest

from trainer.people.models import Role, User
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


def test_the_rule_reads_the_same_as_a_query_and_for_one_record(ctx):
    """`scoped` (SQL) and `in_scope` (one record) are one rule: for every viewer and every ledger-like
    record (a department, a person), both give the same answer, and it is the department rule."""
    from sqlalchemy import select

    from trainer.security import in_scope, scoped

    home, other = factories.department(), factories.department()
    viewers = {"staff": factories.user(dept=home), "supervisor": factories.user(Role.SUPERVISOR, dept=home),
               "hr": factories.user(Role.HR, dept=other), "admin": factories.user(Role.ADMIN, dept=other)}
    people = [*viewers.values(), factories.user(dept=home), factories.user(dept=other)]
    expected = {
        "staff": {viewers["staff"].id},
        "supervisor": {p.id for p in people if p.department_id == home.id},
        "hr": {p.id for p in people}, "admin": {p.id for p in people},
    }
    for name, viewer in viewers.items():
        seen_by_query = set(db.session.scalars(scoped(select(User.id), viewer, User.department_id, User.id)))
        seen_one_by_one = {p.id for p in people if in_scope(viewer, p.department_id, p.id)}
        assert seen_by_query & {p.id for p in people} == seen_one_by_one == expected[name], name

    # Records of a department that are about nobody (loans, meetings): members see them only when the
    # feature says the whole department does; a bank-wide reader named by the feature sees all.
    staff = viewers["staff"]
    assert not in_scope(staff, home.id) and in_scope(staff, home.id, whole_department=True)
    assert not in_scope(staff, other.id, whole_department=True)
    assert in_scope(staff, other.id, bank_wide=True)
    assert set(db.session.scalars(scoped(select(User.id), staff, User.department_id))) == set()
    assert not in_scope(viewers["hr"], home.id, bank_wide=False)
