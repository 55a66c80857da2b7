"""Validation of content/: every problem is reported as file:line."""
import pytest

from trainer.certification.definitions import load_qualifications
from trainer.content.loader import load_modules
from trainer.sourcefiles import SourceInvalid

from .conftest import ROOT


def problems(tree) -> list[str]:
    with pytest.raises(SourceInvalid) as caught:
        load_modules(tree.content, set(load_qualifications(tree.bank)))
    return [str(issue) for issue in caught.value.issues]


def test_a_valid_pair_loads_with_its_sections(tree):
    tree.write("alpha")
    [module] = load_modules(tree.content, {"inspector", "supervisor"})
    assert module.slug == "alpha" and module.version == 1
    assert [s.title for s in module.texts["es"].sections] == ["alpha es", "First section", "Second section"]
    assert module.texts["en"].title == "alpha en"


def test_missing_front_matter_points_at_line_1(tree):
    tree.write("alpha")
    tree.path("alpha", "es").write_text("# No front matter\n\nText\n", encoding="utf-8")
    assert "content/alpha/es.md:1: missing front matter: the file must start with a '---' line" in problems(tree)


def test_unknown_qualification_points_at_its_line(tree):
    tree.write("alpha", en={"[inspector]": "[wizard]"})
    assert any(p.startswith("content/alpha/en.md:6: unknown qualification 'wizard'") for p in problems(tree))


def test_missing_language_is_reported(tree):
    tree.write("alpha", locales=("es",))
    assert "content/alpha/es.md:1: en.md missing: every module needs both es and en" in problems(tree)


def test_broken_internal_link_points_at_the_line(tree):
    tree.write("alpha", link="nowhere")
    found = problems(tree)
    assert "content/alpha/es.md:14: broken link: no module 'nowhere'" in found
    assert "content/alpha/en.md:14: broken link: no module 'nowhere'" in found


def test_links_between_existing_modules_are_fine(tree):
    tree.write("alpha", link="beta")
    tree.write("beta", order=2, link="alpha")
    assert len(load_modules(tree.content, {"inspector"})) == 2


def test_invalid_yaml_points_at_the_bad_line(tree):
    tree.write("alpha", es={"minutes: 10": "minutes: [10"})
    assert any(p.startswith("content/alpha/es.md:6: invalid YAML") for p in problems(tree))


def test_duplicate_key_is_an_error(tree):
    tree.write("alpha", es={"minutes: 10": "minutes: 10\nminutes: 12"})
    assert any("content/alpha/es.md:6: invalid YAML: duplicate key 'minutes'" in p for p in problems(tree))


def test_slug_must_match_the_folder(tree):
    tree.write("alpha", es={"slug: alpha": "slug: beta"}, en={"slug: alpha": "slug: beta"})
    assert "content/alpha/es.md:2: slug 'beta' differs from its folder 'alpha'" in problems(tree)


def test_shared_keys_must_agree_between_languages(tree):
    tree.write("alpha", en={"version: 1": "version: 2"})
    assert "content/alpha/en.md:7: 'version' is 2 here but 1 in es.md" in problems(tree)


def test_section_count_must_agree_between_languages(tree):
    tree.write("alpha", en={"## Second section": "Second paragraph"})
    assert any("es has 3 sections and en has 2" in p for p in problems(tree))


def test_two_modules_cannot_share_an_order(tree):
    tree.write("alpha")
    tree.write("beta")
    assert any("order 1 is also used by 'alpha'" in p for p in problems(tree))


def test_missing_required_key_and_bad_number(tree):
    tree.write("alpha", es={"summary: A short summary.\n": "", "minutes: 10": "minutes: soon"})
    found = problems(tree)
    assert "content/alpha/es.md:2: front matter lacks 'summary'" in found
    assert "content/alpha/es.md:5: 'minutes' must be a whole number of at least 1" in found


def test_text_that_is_not_utf8_is_reported(tree):
    tree.write("alpha")
    tree.path("alpha", "es").write_bytes("---\ntitle: Señal\n".encode("latin-1"))
    assert any(p.startswith("content/alpha/es.md:1: not UTF-8 text") for p in problems(tree))


def test_every_problem_is_reported_at_once(tree):
    tree.write("alpha", link="nowhere")
    tree.write("beta", order=2, locales=("en",))
    assert len(problems(tree)) == 3


def test_the_real_modules_validate_and_are_substantial():
    qualifications = load_qualifications(ROOT / "question_bank")
    modules = load_modules(ROOT / "content", set(qualifications))
    assert [m.order for m in modules] == list(range(1, 8))
    for module in modules:
        for locale, text in module.texts.items():
            words = sum(len(s.markdown.split()) for s in text.sections)
            assert words >= 800, f"{module.slug}/{locale}.md has only {words} words"
            assert len(text.sections) >= 4
    supervisor_only = [m.slug for m in modules if m.qualifications == ["supervisor"]]
    assert supervisor_only == ["supervision-posts"]
