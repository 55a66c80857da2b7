"""The menus are rendered once per language and set of roles and kept (templates/base.html):
whoever asks next, in whatever order, sees their own."""
from __future__ import annotations

import re

from flask import url_for

from trainer.extensions import db
from trainer.people.models import Role

from tests import factories


def menu_links(html: str) -> set[str]:
    nav = html.split('<ul class="navbar-nav me-auto">', 1)[1].split('<form class="d-flex', 1)[0]
    return set(re.findall(r'class="dropdown-item" href="([^"]+)"', nav))


def page_of(app, person, language: str) -> str:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    factories.sign_in(client, person)
    return client.get("/dashboard").get_data(as_text=True)


def queue_and_users(app) -> tuple[str, str]:
    with app.test_request_context():
        return url_for("inspections.queue"), url_for("admin.users")


def test_each_role_sees_its_own_menus_whoever_came_first(app):
    with app.app_context():
        staff, supervisor, admin = factories.user(), factories.user(Role.SUPERVISOR), factories.user(Role.ADMIN)
        db.session.commit()
    queue, users = queue_and_users(app)
    for _round in range(2):  # the second round is served from what the first kept
        mine = {who: menu_links(page_of(app, person, "en"))
                for who, person in (("staff", staff), ("supervisor", supervisor), ("admin", admin))}
        assert "/modules/" in mine["staff"] and queue not in mine["staff"]
        assert users not in mine["staff"] | mine["supervisor"]
        assert queue in mine["supervisor"] and users not in mine["supervisor"]
        assert users in mine["admin"] and queue not in mine["admin"]


def test_menus_follow_the_language_and_a_change_of_roles(app):
    with app.app_context():
        person, spanish = factories.user(locale="en"), factories.user(locale="es")
        db.session.commit()
    queue, _users = queue_and_users(app)
    assert ">Modules</a>" in page_of(app, person, "en") and ">Módulos</a>" in page_of(app, spanish, "es")
    assert ">Modules</a>" in page_of(app, person, "en")
    assert queue not in menu_links(page_of(app, person, "en"))
    with app.app_context():
        again = db.session.get(type(person), person.id)
        again.set_roles({Role.STAFF, Role.SUPERVISOR})
        db.session.commit()
    assert queue in menu_links(page_of(app, person, "en"))
