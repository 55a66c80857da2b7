"""The one cache for definition files (trainer/policies.py): parsed once per
version of the files, shared by apps in one process, re-read when a file changes."""
from __future__ import annotations

import os

from tests.conftest import TEST_CONFIG
from trainer import create_app, policies


def _app(directory):
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "POLICIES_DIR": directory})


def _counting_loader(reads):
    def load(directory):
        reads.append(directory)
        return (directory / "rules.yaml").read_text()
    return load


def test_a_second_app_on_the_same_files_does_not_parse_them_again(tmp_path):
    (tmp_path / "rules.yaml").write_text("limit: 1\n")
    reads: list = []
    load = _counting_loader(reads)
    for _ in range(2):
        with _app(tmp_path).app_context():
            assert policies.cached("rules-shared", load) == "limit: 1\n"
            assert policies.cached("rules-shared", load) == "limit: 1\n"
    assert len(reads) == 1


def test_a_changed_file_is_read_again_after_clear(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("limit: 1\n")
    reads: list = []
    load = _counting_loader(reads)
    with _app(tmp_path).app_context():
        assert policies.cached("rules-changed", load) == "limit: 1\n"
        rules.write_text("limit: 22\n")
        os.utime(rules, ns=(rules.stat().st_atime_ns, rules.stat().st_mtime_ns + 1_000_000))
        assert policies.cached("rules-changed", load) == "limit: 1\n", "the app keeps its copy until cleared"
        policies.clear()  # what `flask trainer sync-content` does
        assert policies.cached("rules-changed", load) == "limit: 22\n"
    with _app(tmp_path).app_context():
        assert policies.cached("rules-changed", load) == "limit: 22\n"
    assert len(reads) == 2


def test_a_file_added_to_the_directory_counts_as_a_change(tmp_path):
    (tmp_path / "rules.yaml").write_text("limit: 1\n")
    reads: list = []
    load = _counting_loader(reads)
    with _app(tmp_path).app_context():
        policies.cached("rules-added", load)
    (tmp_path / "more.yaml").write_text("x: 1\n")
    with _app(tmp_path).app_context():
        policies.cached("rules-added", load)
    assert len(reads) == 2


def test_a_loader_may_ask_for_another_policy(tmp_path):
    (tmp_path / "rules.yaml").write_text("limit: 1\n")

    def outer(directory):
        return "outer+" + policies.cached("rules-inner", lambda d: "inner")

    with _app(tmp_path).app_context():
        assert policies.cached("rules-outer", outer) == "outer+inner"
