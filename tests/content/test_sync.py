"""Loading modules into the database: what changed, and nothing on error."""
import pytest
from sqlalchemy import func, select

from trainer.content import services
from trainer.content.models import Module, ModuleSection
from trainer.extensions import db
from trainer.sourcefiles import SourceInvalid


def sync(tree):
    return services.sync_modules(services.read_sources(tree.content, tree.bank))


def test_first_sync_adds_and_second_changes_nothing(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2)
    assert sync(tree).added == ["alpha", "beta"]
    again = sync(tree)
    assert again.unchanged == ["alpha", "beta"] and not again.changed


def test_text_edit_without_version_bump_updates_text_only(ctx, tree):
    tree.write("alpha")
    sync(tree)
    tree.write("alpha", es={"Body of the second section.": "Corrected body."})
    report = sync(tree)
    assert report.text_changed == ["alpha"] and not report.new_version
    html = db.session.scalar(select(ModuleSection.html).where(ModuleSection.locale == "es", ModuleSection.position == 3))
    assert "Corrected body." in html


def test_version_bump_is_reported_as_new_version(ctx, tree):
    tree.write("alpha")
    sync(tree)
    tree.write("alpha", version=2)
    assert sync(tree).new_version == ["alpha"]
    assert db.session.scalar(select(Module.version)) == 2


def test_removed_module_is_retired_not_deleted(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2)
    sync(tree)
    for path in (tree.content / "beta").iterdir():
        path.unlink()
    (tree.content / "beta").rmdir()
    assert sync(tree).retired == ["beta"]
    beta = db.session.scalar(select(Module).where(Module.slug == "beta"))
    assert beta is not None and not beta.active


def test_version_going_back_is_refused(ctx, tree):
    tree.write("alpha", version=3)
    sync(tree)
    tree.write("alpha", version=2)
    with pytest.raises(SourceInvalid) as caught:
        sync(tree)
    assert "content/alpha/es.md:7: version 2 is lower than the loaded version 3" in str(caught.value)


def test_invalid_content_loads_nothing(ctx, tree):
    tree.write("alpha")
    tree.write("beta", order=2, link="nowhere")
    with pytest.raises(SourceInvalid):
        sync(tree)
    assert db.session.scalar(select(func.count()).select_from(Module)) == 0


def test_script_in_content_never_reaches_the_page(ctx, tree, app):
    tree.write("alpha", es={"Body of the first section.": 'Hi <script>alert("x")</script> <a href="javascript:alert(1)">x</a> <img src=x onerror="alert(1)">'})
    sync(tree)
    html = " ".join(db.session.scalars(select(ModuleSection.html)))
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_cli_sync_and_check_report_problems_with_file_and_line(app, runner, tree):
    app.config.update(CONTENT_DIR=tree.content, QUESTION_BANK_DIR=tree.bank)
    tree.write("alpha", link="nowhere")
    result = runner.invoke(args=["trainer", "check-content"])
    assert result.exit_code == 1
    assert "content/alpha/es.md:14: broken link: no module 'nowhere'" in result.output
    result = runner.invoke(args=["trainer", "sync-content"])
    assert result.exit_code == 1 and "nothing was loaded" in result.output
    tree.write("alpha")
    result = runner.invoke(args=["trainer", "sync-content"])
    assert result.exit_code == 0 and "added: alpha" in result.output
