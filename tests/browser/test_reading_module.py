"""A person logs in, opens a module in Spanish, reads it through in order and marks it complete.

The reading times are shortened for this app (the rule itself, with the real
policy values, is tested over HTTP in tests/content/test_reading_pages.py)."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from trainer.content.models import ModuleCompletion
from trainer.content.services import module_by_slug
from trainer.extensions import db

from tests import factories


def test_log_in_read_a_module_in_spanish_and_complete_it(live_server, page):
    app, base = live_server
    app.config["READING_POLICY_OVERRIDES"] = {"min_seconds_per_section": 0, "words_per_minute": 10**9}
    with app.app_context():
        person = factories.user()
        email, user_id = person.email, person.id

    page.goto(f"{base}/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Número de empleado o correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    # The menus open through Bootstrap's script: wait for it, or a click on a busy machine lands on the
    # toggle's bare "#" link before the script is there.
    page.wait_for_load_state("load")

    page.get_by_role("button", name="Formación").click()
    page.get_by_role("link", name="Módulos", exact=True).first.click()
    page.get_by_role("link", name=re.compile("Señales de alerta|alerta temprana", re.I)).first.click()
    expect(page.get_by_text(re.compile(r"Sección 1 de \d+"))).to_be_visible()

    expect(page.get_by_text(re.compile(r"^0 de \d+ secciones leídas$"))).to_be_visible()
    sections = 1
    while page.get_by_role("link", name="Sección siguiente").count():
        page.get_by_role("link", name="Sección siguiente").click()
        sections += 1
        expect(page.get_by_text(f"Sección {sections} de")).to_be_visible()
        expect(page.get_by_text(re.compile(rf"^{sections - 1} de \d+ secciones leídas$"))).to_be_visible()
    button = page.get_by_role("button", name="Marcar módulo como completado")
    expect(button).to_be_enabled()
    page.get_by_label(re.compile("He leído y comprendido")).check()
    button.click()

    expect(page.get_by_role("status").first).to_contain_text("completado")
    expect(page.get_by_text("Completado").first).to_be_visible()
    with app.app_context():
        completion = db.session.scalar(select(ModuleCompletion).where(ModuleCompletion.user_id == user_id))
        assert completion is not None and completion.version == module_by_slug("early-warning").version
        assert completion.confirmation.locale == "es" and completion.confirmation.statement_text.startswith("He leído")


def test_keyboard_only_login(live_server, page):
    app, base = live_server
    with app.app_context():
        email = factories.user().email
    page.goto(f"{base}/login")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    page.get_by_label("Número de empleado o correo electrónico").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
