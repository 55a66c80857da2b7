"""Every page of the UI exists in Spanish and English."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests import factories

CATALOGUE = Path(__file__).resolve().parent.parent / "trainer/translations/es/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def test_every_message_has_a_spanish_translation_with_the_same_placeholders():
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    untranslated, mismatched = [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(ids[0])
        elif sorted(PLACEHOLDER.findall(ids[0])) != sorted(PLACEHOLDER.findall(strings[0])):
            mismatched.append(ids[0])
    assert untranslated == [] and mismatched == []


def test_default_language_is_spanish_and_the_switch_is_remembered(app):
    client = app.test_client()
    with app.app_context():
        email = factories.user().email
    login = client.get("/login").get_data(as_text=True)
    assert '<html lang="es">' in login and "Iniciar sesión" in login
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    client.post("/logout")
    other_browser = app.test_client()
    other_browser.post("/login", data={"login": email, "password": factories.PASSWORD})
    assert '<html lang="en">' in other_browser.get("/dashboard").get_data(as_text=True)


def test_browser_language_is_used_before_any_choice(app):
    client = app.test_client()
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_unknown_language_choice_is_ignored(app):
    client = app.test_client()
    client.post("/language", data={"locale": "xx", "next": "//evil.example"})
    assert '<html lang="es">' in client.get("/login").get_data(as_text=True)


def test_the_catalogue_holds_every_message_the_code_uses():
    """Catches UI text added without running `make extract-messages` and translating it."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = CATALOGUE.parents[4]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}
    method_map = [("trainer/**.py", "python"), ("templates/**.html", "jinja2")]
    used = {message[2] if isinstance(message[2], str) else message[2][0]
            for message in extract_from_dir(str(root), method_map, keywords=keywords)
            if not message[0].startswith((".venv", "tests", "bench", "migrations"))}
    with CATALOGUE.open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert sorted(used - known) == []


def test_the_language_used_at_login_is_saved_for_mail(app):
    """Someone who always used English in the browser, and never pressed the switch, gets English mail."""
    from trainer.people.models import User
    from trainer.extensions import db

    client = app.test_client()
    with app.app_context():
        person = factories.user()
        email, person_id = person.email, person.id
    client.post("/login", data={"login": email, "password": factories.PASSWORD},
                headers={"Accept-Language": "en-GB,en;q=0.9"})
    with app.app_context():
        assert db.session.get(User, person_id).locale == "en"


def test_wtforms_own_messages_follow_each_request_language(app):
    """WTForms' messages are read once per language and process (trainer/forms.py), never stuck on the first."""
    spanish, english = app.test_client(), app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for _round in range(2):
        assert "Este campo es obligatorio." in spanish.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)
        assert "This field is required." in english.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)


def test_templates_translate_in_the_language_in_force_even_when_it_changes_within_a_request(app):
    """Mail is written in each recipient's language inside one request (force_locale): the translations
    found once per request (i18n.page_translations) follow each change and come back after it."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(headers={"Accept-Language": "es"}):
        home = '{{ _("Home") }}'
        assert render_template_string(home) == "Inicio"
        with force_locale("en"):
            assert render_template_string(home) == "Home"
        assert render_template_string(home) == "Inicio"


def test_a_translated_message_escapes_what_is_put_into_it(app):
    """The page's _() and ngettext() (i18n._bound_gettext) escape their variables, as Jinja's own do."""
    from flask import render_template_string

    with app.test_request_context(headers={"Accept-Language": "en"}):
        hello = render_template_string('{{ _("Hello, %(name)s", name=n) }}', n="<script>x</script>")
        assert hello == "Hello, &lt;script&gt;x&lt;/script&gt;"
        many = render_template_string(
            '{{ ngettext("%(num)d escalated warning signal is open.", "%(num)d escalated warning signals are open.", 3) }}')
        assert many == "3 escalated warning signals are open."
