"""Before the first attempt the exam list says how many attempts, the window and the wait
after a failure, from the exam's definition, in the reader's language with plural forms."""
import dataclasses
from datetime import timedelta

from flask_babel import force_locale

from trainer.certification import services as certification
from trainer.exams import services as exams
from trainer.exams.presenters import attempt_rules
from trainer.extensions import db
from trainer.timeutil import utcnow

from tests import factories
from tests.factories import sit


def rules_of(page: str, code: str) -> str:
    start = page.index(f'id="rules-{code}"')
    return page[start:page.index("</ul>", start)]


def test_the_list_states_the_rules_of_each_exam_in_english(client, candidate):
    page = client.get("/exams/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    inspector = rules_of(page, "inspector")
    assert "You may make 3 attempts in any period of 30 days." in inspector
    assert "After a failed attempt, wait 15 minutes before the next one." in inspector
    assert "does not repeat the questions whose answers your last result showed" in inspector
    assert "wait 1 hour before the next one." in rules_of(page, "supervisor")  # 60 minutes, singular


def test_the_list_states_the_rules_in_spanish(client, candidate):
    client.post("/language", data={"locale": "es", "next": "/exams/"})
    page = client.get("/exams/").get_data(as_text=True)
    assert "Puede hacer 3 intentos en cualquier periodo de 30 días." in rules_of(page, "inspector")
    assert "espere 15 minutos antes del siguiente." in rules_of(page, "inspector")
    assert "espere 1 hora antes del siguiente." in rules_of(page, "supervisor")


def test_singular_forms_and_no_wait_come_from_the_definition(app):
    with app.test_request_context():
        exam = certification.definition("inspector").exam
        one = dataclasses.replace(exam, attempts_per_window=1, attempt_window_days=1, cooldown_minutes=0,
                                  fresh_retry=False)
        big = dataclasses.replace(exam, attempts_per_window=1200, cooldown_minutes=90)
        with force_locale("en"):
            assert attempt_rules(one) == ["You may make 1 attempt in any period of 1 day.",
                                          "After a failed attempt you may try again at once."]
            assert attempt_rules(big)[:2] == ["You may make 1,200 attempts in any period of 30 days.",
                                              "After a failed attempt, wait 90 minutes before the next one."]
        with force_locale("es"):
            assert attempt_rules(one)[0] == "Puede hacer 1 intento en cualquier periodo de 1 día."
            assert attempt_rules(big)[0] == "Puede hacer 1.200 intentos en cualquier periodo de 30 días."


def test_an_extra_attempt_granted_by_hr_is_named_on_the_list(app, client, candidate):
    with app.app_context():
        from trainer.people.models import Role, User
        person = db.session.get(User, candidate)
        exams.grant_extra_attempt(person, "inspector", "Outage", factories.user(Role.HR))
        db.session.commit()
    page = client.get("/exams/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Including 1 extra attempt granted by HR." in rules_of(page, "inspector")
    assert "Attempts left in this period: 4" in page


def test_a_failed_result_repeats_the_rules(app, client, candidate):
    with app.app_context():
        from trainer.people.models import User
        attempt = sit(db.session.get(User, candidate), "inspector", utcnow() - timedelta(minutes=1), right=0)
        attempt_id = attempt.id
    page = client.get(f"/exams/attempts/{attempt_id}/result", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You may make 3 attempts in any period of 30 days." in page
