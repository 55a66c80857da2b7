"""policies/reading.yaml: every problem reported as file:line; check-content reads it."""
from pathlib import Path
from textwrap import dedent

import pytest

from trainer.config import PROJECT_ROOT
from trainer.content.policy import load_reading_policy, reading_policy
from trainer.sourcefiles import SourceInvalid

GOOD = """\
words_per_minute: 200
min_seconds_per_section: 20
statement:
  version: 3
  es: "He leído y comprendido."
  en: "I have read and understood."
"""


def write(tmp_path: Path, text: str) -> Path:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "reading.yaml").write_text(dedent(text), encoding="utf-8")
    return policies


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SourceInvalid) as raised:
        load_reading_policy(write(tmp_path, text))
    return [str(issue) for issue in raised.value.issues]


def test_the_real_policy_loads():
    policy = load_reading_policy(PROJECT_ROOT / "policies")
    assert policy.words_per_minute >= 50 and policy.statement.text("en").startswith("I have read and understood")


def test_a_good_file(tmp_path):
    policy = load_reading_policy(write(tmp_path, GOOD))
    assert (policy.words_per_minute, policy.min_seconds_per_section, policy.statement.version) == (200, 20, 3)
    assert policy.statement.text("fr") == "He leído y comprendido."


@pytest.mark.parametrize("old, new, expected", [
    ("words_per_minute: 200", "words_per_minute: 10",
     "policies/reading.yaml:1: 'words_per_minute' must be a whole number from 50 to 1000"),
    ("words_per_minute: 200", "words_per_minute: 2.5e2",
     "policies/reading.yaml:1: 'words_per_minute' must be a whole number from 50 to 1000"),
    ("min_seconds_per_section: 20", "min_seconds_per_section: -1",
     "policies/reading.yaml:2: 'min_seconds_per_section' must be a whole number from 0 to 3600"),
    ("min_seconds_per_section: 20", "min_seconds_per_section: yes",
     "policies/reading.yaml:2: 'min_seconds_per_section' must be a whole number from 0 to 3600"),
    ("min_seconds_per_section: 20\n", "", "policies/reading.yaml:1: 'min_seconds_per_section' missing"),
    ("  version: 3", "  version: 0", "policies/reading.yaml:4: 'version' must be a whole number from 1 to 1000000"),
    ('  en: "I have read and understood."', '  en: " "', "policies/reading.yaml:6: the statement needs a text in 'en'"),
    ('  es: "He leído y comprendido."\n', "", "policies/reading.yaml:3: the statement needs a text in 'es'"),
    ("  version: 3", "  version: 3\n  fr: Lu", "policies/reading.yaml:5: unknown key 'statement.fr'"),
    ("words_per_minute: 200", "words_per_minute: 200\nseconds: 3", "policies/reading.yaml:2: unknown key 'seconds'"),
])
def test_each_problem_names_file_and_line(tmp_path, old, new, expected):
    assert old in GOOD
    assert problems(tmp_path, GOOD.replace(old, new, 1)) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("words_per_minute: 200\nmin_seconds_per_section: 20\n",
     "policies/reading.yaml:1: 'statement' must be a mapping with version, es and en"),
    ("- a list\n", "policies/reading.yaml:1: expected a mapping with words_per_minute, min_seconds_per_section, statement"),
    ("words_per_minute: [\n", "policies/reading.yaml:2: invalid YAML: expected the node content, but found '<stream end>'"),
])
def test_broken_files(tmp_path, text, expected):
    assert problems(tmp_path, text)[0] == expected


def test_missing_file(tmp_path):
    with pytest.raises(SourceInvalid, match="reading.yaml:1: file missing"):
        load_reading_policy(tmp_path)


def test_check_content_reports_the_reading_policy(app, runner, tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    for source in (PROJECT_ROOT / "policies").glob("*.yaml"):
        (policies / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (policies / "reading.yaml").write_text(GOOD.replace("words_per_minute: 200", "words_per_minute: fast"),
                                           encoding="utf-8")
    app.config["POLICIES_DIR"] = policies
    result = runner.invoke(args=["trainer", "check-content"])
    assert result.exit_code == 1
    assert "reading.yaml:1: 'words_per_minute' must be a whole number from 50 to 1000" in result.output


def test_an_app_can_shorten_the_times(app):
    app.config["READING_POLICY_OVERRIDES"] = {"min_seconds_per_section": 0, "words_per_minute": 10**9}
    with app.app_context():
        policy = reading_policy()
        assert policy.seconds_for(["word " * 300]) < 0.001 and policy.statement.version >= 1


def test_a_module_may_not_promise_less_reading_time_than_the_rule_enforces(tmp_path, tree):
    from trainer.content.loader import load_modules
    from trainer.content.policy import module_minimum_seconds, reading_time_issues

    long_section = " ".join(["palabra"] * 800)  # 4 minutes at 200 words a minute
    tree.write("alpha", es={"Body of the second section.": long_section},
               en={"Body of the second section.": long_section})
    [module] = load_modules(tree.content, {"inspector", "supervisor"})
    policy = load_reading_policy(write(tmp_path, GOOD))
    assert module_minimum_seconds(module, policy) == 20 + 20 + 240  # two short sections at the floor
    assert reading_time_issues([module], policy) == []
    module.minutes = 4
    [issue] = reading_time_issues([module], policy)
    assert str(issue) == ("content/alpha/es.md:5: 'minutes: 4' is less than the reading rule's minimum for this "
                          "text (5 minutes at 200 words a minute, policies/reading.yaml); state at least that")


def test_the_real_modules_state_at_least_the_rule_minimum_and_a_plausible_pace():
    from trainer.certification.definitions import load_qualifications
    from trainer.content.loader import load_modules
    from trainer.content.policy import module_minimum_seconds

    policy = load_reading_policy(PROJECT_ROOT / "policies")
    modules = load_modules(PROJECT_ROOT / "content", set(load_qualifications(PROJECT_ROOT / "question_bank")))
    for module in modules:
        words = sum(len(s.markdown.split()) for s in module.texts["es"].sections)
        assert module.minutes * 60 >= module_minimum_seconds(module, policy), module.slug
        assert 130 <= words / module.minutes <= 200, (module.slug, words / module.minutes)  # words a minute
