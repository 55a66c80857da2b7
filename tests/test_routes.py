"""Walk every registered route as every role and as a visitor.

A new route must be added to ACCESS, so nobody can add a page without
saying who may see it. Any 500 fails; so does access a role should not have.
"""
import pytest

from trainer.auth.models import Role
from trainer.extensions import db

from tests import factories

PUBLIC = "public"
ANY = "any signed-in person"
ACCESS = {
    "static": PUBLIC,
    "web.index": PUBLIC,
    "web.health": PUBLIC,
    "web.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ANY,
    "auth.change_password": ANY,
    "web.dashboard": ANY,
    "content.index": ANY,
    "content.module": ANY,
    "content.read": ANY,
    "content.complete": ANY,
    "hr.people": {Role.HR, Role.ADMIN, Role.SUPERVISOR},
    "hr.person": {Role.HR, Role.ADMIN},  # for a person of another department
    "hr.import_people": {Role.HR, Role.ADMIN},
    "admin.users": {Role.ADMIN},
    "admin.new_user": {Role.ADMIN},
    "admin.edit_user": {Role.ADMIN},
    "admin.reset_password": {Role.ADMIN},
    "admin.departments": {Role.ADMIN},
    "admin.edit_department": {Role.ADMIN},
    "admin.content": {Role.ADMIN},
}
ROLES = [None, Role.STAFF, Role.SUPERVISOR, Role.HR, Role.ADMIN]


@pytest.fixture
def world(app):
    with app.app_context():
        factories.load_content()
        home, other = factories.department(), factories.department()
        people = {role: factories.user(role, dept=home) for role in ROLES if role}
        stranger = factories.user(dept=other)
        return {
            "logins": {role: p.email for role, p in people.items()},
            "values": {"user_id": stranger.id, "department_id": other.id, "slug": "inspection-areas",
                       "position": 1, "filename": "app.css"},
        }


def requests_for(app, values):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    for rule in rules:
        url = app.url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_is_declared(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ACCESS)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_every_route_as_every_role(app, world, role):
    client = app.test_client()
    if role:
        client.post("/login", data={"login": world["logins"][role], "password": factories.PASSWORD})
    for endpoint, method, url in requests_for(app, world["values"]):
        response = client.open(url, method=method, data={})
        where = f"{method} {url} as {role.value if role else 'anonymous'}"
        assert response.status_code < 500, f"{where}: {response.status_code}"
        rule = ACCESS[endpoint]
        if rule == PUBLIC:
            continue
        if role is None:
            assert response.status_code == 302 and "/login" in response.location, where
        elif rule == ANY or role in rule:
            assert response.status_code != 403, where
        else:
            assert response.status_code == 403, where
