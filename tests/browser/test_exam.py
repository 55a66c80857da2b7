"""A person sits the inspector exam in Spanish in a real browser: autosave, reload, submit, certificate."""
import re

from playwright.sync_api import expect

from trainer.exams.models import ExamAttempt
from trainer.extensions import db

from tests import factories
from tests.exams.helpers import answers, read_modules


def test_sit_the_inspector_exam_in_spanish(live_server, page):
    app, base = live_server
    with app.app_context():
        person = factories.user()
        read_modules(person, "inspector")
        email = person.email

    page.goto(f"{base}/login")
    page.get_by_label("Número de empleado o correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.goto(f"{base}/exams/")
    page.get_by_role("button", name="Iniciar el examen").first.click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#countdown")).to_contain_text("restante")

    with app.app_context():
        key = answers(db.session.get(ExamAttempt, attempt_id))
    # Answer the first five, wait for autosave, reload: the answers are still there.
    for position in range(1, 6):
        for option in key[position]:
            page.locator(f"#q{position}-{option}").check()
        expect(page.locator("#answered-text")).to_contain_text(f"{position} de 20")
        expect(page.locator("#save-state")).to_have_text("Guardado")
    page.reload()
    expect(page.locator("#answered-text")).to_contain_text("5 de 20")
    for position in range(6, 21):
        for option in key[position]:
            page.locator(f"#q{position}-{option}").check()
    page.get_by_role("button", name="Enviar el examen").click()

    expect(page).to_have_url(re.compile(r"/result$"))
    expect(page.get_by_role("status").first).to_contain_text("Aprobado")
    page.get_by_role("link", name="Ver el certificado").click()
    expect(page.locator("main")).to_contain_text("Inspector/a post-préstamo")
