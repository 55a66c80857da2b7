"""The navigation fits laptop widths for the role with the most menus, and
every page a role may use is reachable from its dashboard through the menus."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from trainer.people.models import Role
MENUS = {  # menu -> items an HR administrator who is also a supervisor sees, in Spanish
    "Formación": ["Módulos", "Exámenes", "Mis certificados"],
    "Inspecciones": ["Mis inspecciones", "Préstamos", "Inspecciones vencidas", "Revisiones pendientes",
                     "Recompensas y sanciones", "Evaluación"],
    "Personas": ["Personas", "Matriz de certificación", "Grupos de formación", "Estadísticas de exámenes",
                 "Importar personal", "Registro de auditoría"],
    "Administración": ["Usuarios", "Departamentos", "Contenido", "Tokens de API"],
}


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("Número de empleado o correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


@pytest.mark.parametrize("width", [1024, 1280, 1366])
def test_no_navbar_overflows_and_the_user_menu_stays_on_screen(live_server, page, width):
    app, base = live_server
    with app.app_context():
        person = factories.user(Role.ADMIN, Role.HR, Role.SUPERVISOR)
        person.full_name = "Maria Fernanda de la Concepción Villalobos"
        from trainer.extensions import db
        db.session.commit()
        email = person.email
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, base, email)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    if width < 1200:  # below Bootstrap's xl breakpoint the menus fold behind the toggler
        page.get_by_role("button", name="Menú").click()
    user_menu = page.get_by_role("button", name=re.compile("Maria Fernanda")).bounding_box()
    assert user_menu["x"] + user_menu["width"] <= width
    nav = page.evaluate("() => { const n = document.querySelector('nav .navbar-nav'); return [n.scrollWidth, n.clientWidth]; }")
    assert nav[0] <= nav[1]


def test_every_page_is_reachable_through_the_menus(live_server, page):
    app, base = live_server
    with app.app_context():
        email = factories.user(Role.ADMIN, Role.HR, Role.SUPERVISOR).email
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, base, email)
    for menu, items in MENUS.items():
        for item in items:
            page.goto(f"{base}/dashboard")
            page.get_by_role("button", name=menu, exact=True).click()
            page.locator(".dropdown-menu.show").get_by_role("link", name=item, exact=True).click()
            expect(page.locator("h1").first).to_be_visible()
            assert page.title() and "Error" not in page.locator("h1").first.inner_text(), (menu, item)
