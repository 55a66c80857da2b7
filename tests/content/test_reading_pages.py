"""Reading modules through the HTTP client, in both languages, with the real reading policy."""
import re
from datetime import timedelta

from sqlalchemy import select

from trainer.content.models import ModuleCompletion, ReadAssignment, SectionReading
from trainer.content.policy import reading_policy
from trainer.content.services import assign_rereading, module_by_slug
from trainer.extensions import db
from trainer.timeutil import as_utc

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


SLUG = "early-warning"


def backdate(app, user_id: int, seconds: int) -> None:
    """Move the person's recorded openings `seconds` into the past: the server's
    clock then sees that much reading time, with the real policy values."""
    with app.app_context():
        for row in db.session.scalars(select(SectionReading).where(SectionReading.user_id == user_id)):
            for column in ("first_opened_at", "last_opened_at", "started_at", "read_at"):
                if getattr(row, column) is not None:
                    setattr(row, column, as_utc(getattr(row, column)) - timedelta(seconds=seconds))
        db.session.commit()


def section_count(app, slug: str = SLUG) -> int:
    with app.app_context():
        return module_by_slug(slug).section_count


def read_properly(app, client, user_id: int, slug: str = SLUG) -> int:
    """Open every section in order, each for longer than any section's minimum."""
    sections = section_count(app, slug)
    for n in range(1, sections + 1):
        assert client.get(f"/modules/{slug}/{n}").status_code == 200
        backdate(app, user_id, 3600)
    return sections


def completions(app):
    with app.app_context():
        return db.session.scalars(select(ModuleCompletion)).all()


def test_reading_every_section_then_completing(app, client):
    user_id, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    sections = read_properly(app, client, user_id)
    assert client.get(f"/modules/{SLUG}/{sections + 1}").status_code == 404
    page = client.get(f"/modules/{SLUG}/{sections}").get_data(as_text=True)
    assert f"{sections - 1} of {sections} sections read" in page and "You cannot complete" not in page
    done = client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"})
    assert done.status_code == 302
    with app.app_context():
        [completion] = db.session.scalars(select(ModuleCompletion)).all()
        assert completion.user_id == user_id and completion.version == module_by_slug(SLUG).version
        assert completion.confirmation.statement_text == reading_policy().statement.text("en")
        assert completion.confirmation.locale == "en"


def test_opening_only_the_last_section_and_completing_is_refused(app, client):
    _, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    sections = section_count(app)
    page = client.get(f"/modules/{SLUG}/{sections}").get_data(as_text=True)
    assert "You cannot complete the module yet" in page and "not read yet." in page
    assert re.search(r'<button class="btn btn-success"\s+disabled', page)
    refused = client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"})
    assert refused.status_code == 422
    assert "The module was not marked as complete." in refused.get_data(as_text=True)
    assert completions(app) == []


def test_a_section_opened_out_of_order_says_to_read_the_earlier_one(app, client):
    user_id, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    page = client.get(f"/modules/{SLUG}/3").get_data(as_text=True)
    assert "Read the earlier sections first" in page and f'href="/modules/{SLUG}/1"' in page
    backdate(app, user_id, 3600)
    # Section 3 was open an hour, but out of order: reading 1 and 2 now does not count it.
    client.get(f"/modules/{SLUG}/1")
    backdate(app, user_id, 3600)
    client.get(f"/modules/{SLUG}/2")
    page = client.get(f"/modules/{SLUG}/3").get_data(as_text=True)
    assert "too quickly" in page and "1 of" in page


def test_too_fast_reading_is_refused_with_the_reason(app, client):
    """The real policy values, with the server's clock: clicking through is refused."""
    _, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    sections = section_count(app)
    pages = {n: client.get(f"/modules/{SLUG}/{n}").get_data(as_text=True) for n in range(1, sections + 1)}
    assert "You moved on from the previous section too quickly" in pages[2]
    assert "Read the earlier sections first" in pages[sections] and f'href="/modules/{SLUG}/1"' in pages[sections]
    refused = client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "read too quickly (it needs at least" in text and "to go" in text
    assert completions(app) == []


def test_completing_without_confirming_is_a_form_error(app, client):
    user_id, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    read_properly(app, client, user_id)
    refused = client.post(f"/modules/{SLUG}/complete", data={})
    assert refused.status_code == 422
    assert "Confirm that you have read and understood the module." in refused.get_data(as_text=True)
    assert completions(app) == []


def test_a_reread_assignment_cannot_be_skipped_by_url(app, client):
    user_id, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    read_properly(app, client, user_id)
    assert client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assign_rereading(user_id, "inspector", "suspended after a severe sanction")
        db.session.commit()
    sections = section_count(app)
    client.get(f"/modules/{SLUG}/{sections}")
    backdate(app, user_id, 3600)
    assert client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ReadAssignment).where(
            ReadAssignment.module_id == module_by_slug(SLUG).id)).done_at is None
    read_properly(app, client, user_id)
    assert client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assignment = db.session.scalar(select(ReadAssignment).where(ReadAssignment.module_id == module_by_slug(SLUG).id))
        assert assignment.done_at is not None and assignment.confirmation_id is not None


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


def test_opening_a_section_need_not_wait_for_the_disk_but_completing_does(app, client):
    """PostgreSQL: a section's opening (redone by opening it again) commits without waiting for the
    WAL; the completion, which counts, commits durably. What is seen is the setting at each commit."""
    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    user_id, email = setup_reader(app)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    sections = section_count(app)
    for n in range(1, sections):
        client.get(f"/modules/{SLUG}/{n}")
        backdate(app, user_id, 3600)
    at_commit: list[str] = []

    def record(session):
        if session.get_bind().dialect.name == "postgresql":
            at_commit.append(session.scalar(text("SELECT current_setting('synchronous_commit')")))

    def settings_at_commit(request):
        at_commit.clear()
        event.listen(Session, "before_commit", record)
        try:
            request()
        finally:
            event.remove(Session, "before_commit", record)
        return list(at_commit)

    opening = settings_at_commit(lambda: client.get(f"/modules/{SLUG}/{sections}"))
    backdate(app, user_id, 3600)
    completing = settings_at_commit(lambda: client.post(f"/modules/{SLUG}/complete", data={"confirm": "y"}))
    assert len(completions(app)) == 1
    if opening or completing:  # PostgreSQL
        assert (set(opening), set(completing)) == ({"off"}, {"on"})
