"""The content catalogue each process keeps: read once, read again whenever any process loads content."""
from datetime import timedelta

from sqlalchemy import select, text, update

from trainer.content import services
from trainer.content.catalogue import catalogue
from trainer.content.models import Module
from trainer.extensions import db
from trainer.timeutil import utcnow


def sync(tree):
    report = services.sync_modules(services.read_sources(tree.content, tree.bank))
    db.session.commit()
    return report


def elsewhere(statement: str, **params) -> None:
    """A write by another process: its own connection and transaction, not this session."""
    with db.engine.begin() as other:
        other.execute(text(statement), params)


def test_an_unchanged_catalogue_costs_one_small_query(ctx, tree, count_queries):
    tree.write("alpha")
    tree.write("beta", order=2)
    sync(tree)
    first = catalogue()
    db.session.commit()  # a new transaction, as the next request
    with count_queries() as queries:
        again = catalogue()
        services.module_by_slug("beta")
        services.titles("en")
    assert again is first and len(queries) == 1  # the stamp, once in the transaction
    assert [m.slug for m in again.modules] == ["alpha", "beta"]


def test_a_load_shows_at_once_in_the_transaction_that_loads(ctx, tree):
    tree.write("alpha")
    sync(tree)
    assert services.module_by_slug("alpha").version == 1  # read, and remembered for this transaction
    tree.write("alpha", version=2)
    services.sync_modules(services.read_sources(tree.content, tree.bank))  # not committed yet
    assert services.module_by_slug("alpha").version == 2
    db.session.rollback()
    assert services.module_by_slug("alpha").version == 1  # the load was not kept


def test_a_load_in_this_process_shows_at_once(ctx, tree):
    tree.write("alpha")
    sync(tree)
    assert services.module_by_slug("alpha").version == 1
    tree.write("alpha", version=2, en={"alpha en": "Alpha, second edition"})
    sync(tree)
    assert services.module_by_slug("alpha").version == 2
    assert services.titles("en")[services.module_by_slug("alpha").id].title == "Alpha, second edition"


def test_a_load_by_another_process_shows_on_the_next_use(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2)
    sync(tree)
    assert len(services.active_modules()) == 2
    db.session.commit()  # this request ends; another process loads content meanwhile
    elsewhere("UPDATE modules SET version = 7, updated_at = :now WHERE slug = 'alpha'", now=utcnow() + timedelta(seconds=1))
    assert services.module_by_slug("alpha").version == 7
    db.session.commit()
    elsewhere("UPDATE modules SET active = :no, updated_at = :now WHERE slug = 'beta'", no=False,
              now=utcnow() + timedelta(seconds=2))
    assert [m.slug for m in services.active_modules()] == ["alpha"]
    assert services.module_by_slug("beta") is None


def test_retiring_and_bringing_back_moves_the_stamp(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2)
    sync(tree)
    services.active_modules()
    (tree.content / "beta" / "es.md").unlink()
    (tree.content / "beta" / "en.md").unlink()
    (tree.content / "beta").rmdir()
    assert sync(tree).retired == ["beta"]
    assert [m.slug for m in services.active_modules()] == ["alpha"]
    tree.write("beta", order=2)
    sync(tree)
    assert [m.slug for m in services.active_modules()] == ["alpha", "beta"]


def test_any_orm_write_to_a_module_moves_its_stamp(ctx, tree):
    tree.write("alpha")
    sync(tree)
    assert services.module_by_slug("alpha").minutes == 10
    before = db.session.scalar(select(Module.updated_at))
    db.session.execute(update(Module).values(minutes=99))
    db.session.commit()
    assert db.session.scalar(select(Module.updated_at)) > before
    assert services.module_by_slug("alpha").minutes == 99


def test_sections_read_once_and_in_the_readers_language(ctx, tree, count_queries):
    tree.write("alpha")
    tree.write("beta", order=2)
    sync(tree)
    alpha, beta = services.module_by_slug("alpha"), services.module_by_slug("beta")
    english = services.section_page(beta, "en", 2)
    assert english.section.locale == "en" and english.module_title == "beta en"
    assert len(english.section_titles) == beta.section_count and english.section_titles[-1] == "Second section"
    no_such_language = services.section_page(alpha, "fr", 1)  # Spanish is what every module has
    assert no_such_language.section.locale == "es" and no_such_language.module_title == "alpha es"
    assert services.section_page(beta, "en", beta.section_count + 1) is None
    db.session.commit()  # the next request
    with count_queries() as queries:
        services.section_page(beta, "es", 1)
        services.section_page(beta, "en", 2)
    assert len(queries) == 1  # the stamp, once: beta's sections are already held


def test_sections_of_a_module_rewritten_meanwhile_are_not_kept(ctx, tree):
    tree.write("alpha")
    sync(tree)
    held = catalogue()
    module = held.module("alpha")
    db.session.commit()
    # Another process rewrites the module between this catalogue's read and its first section read.
    elsewhere("UPDATE modules SET updated_at = :now WHERE slug = 'alpha'", now=utcnow() + timedelta(seconds=1))
    elsewhere("UPDATE module_sections SET title = 'Rewritten' WHERE locale = 'es' AND position = 2")
    assert [s.title for s in held.sections(module, "es")][1] == "Rewritten"  # served as the database has it
    assert module.id not in held._sections  # but not kept under the older stamp
    assert catalogue() is not held
