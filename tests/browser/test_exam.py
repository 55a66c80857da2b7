"""A person sits the inspector exam in Spanish in a real browser: autosave, reload, submit, certificate."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from trainer.certification import services as certification
from trainer.exams.models import AttemptStatus, ExamAttempt
from trainer.extensions import db

from tests import factories
from tests.factories import answers, read_modules


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
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^\d+:\d\d$"))

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
    # Submitting with questions unanswered asks first, and saying no keeps the attempt open.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Enviar el examen").click()
    expect(page).to_have_url(re.compile(rf"/exams/attempts/{attempt_id}$"))
    assert asked and "15 preguntas sin responder" in asked[0]
    for position in range(6, 21):
        for option in key[position]:
            page.locator(f"#q{position}-{option}").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Enviar el examen").click()

    expect(page).to_have_url(re.compile(r"/result$"))
    expect(page.get_by_role("status").first).to_contain_text("Aprobado")
    page.get_by_role("link", name="Ver el certificado").click()
    expect(page.locator("main")).to_contain_text("Inspector/a post-préstamo")


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("Número de empleado o correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()


@pytest.mark.parametrize("timezone_id", ["Europe/Madrid", "America/Mexico_City"])
def test_the_countdown_starts_at_the_full_time_in_the_browsers_time_zone(live_server, page, timezone_id):
    """The deadline is an instant, not a wall time: far from UTC, the countdown
    still starts at the time limit, and the page does not submit itself on load."""
    app, base = live_server
    with app.app_context():
        person = factories.user()
        read_modules(person, "inspector")
        email, person_id = person.email, person.id
        limit = certification.definition("inspector").exam.time_limit_minutes

    log_in(page, base, email)
    assert page.evaluate("new Date().getTimezoneOffset()") != 0  # the browser really is away from UTC
    page.goto(f"{base}/exams/")
    page.get_by_role("button", name="Iniciar el examen").first.click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])

    countdown = page.locator("#countdown")
    expect(countdown).to_have_text(re.compile(r"^\d+:\d\d$"))  # minutes:seconds, no hours
    shown = countdown.text_content()
    minutes = int(shown.split(":")[0])
    assert limit - 2 <= minutes < limit, shown
    expect(countdown).not_to_have_text(shown)  # it ticks, on the attempt page: nothing was submitted
    expect(page).to_have_url(re.compile(rf"/exams/attempts/{attempt_id}$"))
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert attempt.status is AttemptStatus.IN_PROGRESS and attempt.submitted_at is None
        key = answers(attempt)

    for position, options in key.items():
        for option in options:
            page.locator(f"#q{position}-{option}").check()
    expect(page.locator("#answered-text")).to_contain_text(f"{len(key)} de {len(key)}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Enviar el examen").click()

    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/result$"))
    expect(page.get_by_role("status").first).to_contain_text(re.compile(r"Aprobado: 100\s%"))  # Spanish: "100 %"
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        assert (attempt.closed_by, attempt.score, attempt.user_id) == ("person", 100, person_id)
        assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 1  # no attempt spent on load
