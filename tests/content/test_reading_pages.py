"""Reading modules through the HTTP client, in both languages."""
from sqlalchemy import select

from trainer.content.models import ModuleCompletion
from trainer.extensions import db

from tests import factories


def setup_reader(app, locale=None):
    with app.app_context():
        factories.load_content()
        person = factories.user(locale=locale)
        return person.id, person.email


def test_module_list_shows_all_modules_with_progress(app, client):
    _, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    page = client.get("/modules/").get_data(as_text=True)
    assert page.count('role="progressbar"') == 8  # overall + seven modules
    assert "0 de 7" in page or "0 of 7" in page


def test_reading_in_spanish_and_english(app, client):
    _, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    client.post("/language", data={"locale": "es"})
    spanish = client.get("/modules/inspection-areas/1").get_data(as_text=True)
    assert 'lang="es"' in spanish and "préstamo" in spanish
    client.post("/language", data={"locale": "en"})
    english = client.get("/modules/inspection-areas/1").get_data(as_text=True)
    assert 'lang="en"' in english and "loan" in english


def test_reading_every_section_then_completing(app, client):
    user_id, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    early = client.post("/modules/early-warning/complete")
    assert early.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ModuleCompletion)) is None
        from trainer.content.services import module_by_slug
        sections = module_by_slug("early-warning").section_count
    for n in range(1, sections + 1):
        assert client.get(f"/modules/early-warning/{n}").status_code == 200
    assert client.get(f"/modules/early-warning/{sections + 1}").status_code == 404
    done = client.post("/modules/early-warning/complete")
    assert done.status_code == 302
    with app.app_context():
        completion = db.session.scalar(select(ModuleCompletion))
        assert completion.user_id == user_id and completion.version == 1


def test_unknown_module_is_404(app, client):
    _, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.post("/modules/no-such-module/complete").status_code == 404


def test_internal_links_resolve_to_module_pages(app, client):
    _, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    with app.app_context():
        from trainer.content.models import ModuleSection
        section = db.session.scalar(select(ModuleSection).where(ModuleSection.html.contains('href="module:')))
        slug_id, position, locale = section.module_id, section.position, section.locale
        from trainer.content.models import Module
        slug = db.session.get(Module, slug_id).slug
    client.post("/language", data={"locale": locale})
    page = client.get(f"/modules/{slug}/{position}").get_data(as_text=True)
    assert 'href="module:' not in page and 'href="/modules/' in page
