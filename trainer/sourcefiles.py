"""Reading the repository's source files (modules, question bank, definitions)
with line numbers, so every problem is reported as `file:line: message`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, order=True)
class SourceIssue:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class SourceInvalid(Exception):
    """Raised with every issue found; nothing is loaded when it is raised."""

    def __init__(self, issues: list[SourceIssue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class LineDict(dict):
    """A YAML mapping that remembers where it and each of its keys stand."""

    line: int = 1
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise _DuplicateKey(problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, SourceIssue | None]:
    """Parse YAML; line numbers are shifted by `first_line - 1` (for front matter)."""
    try:
        return yaml.load(text, Loader=_LineLoader), None  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + 1 if mark else 1) + first_line - 1
        return None, SourceIssue(path, line, f"invalid YAML: {error.problem or error}")
    except yaml.YAMLError as error:
        return None, SourceIssue(path, first_line, f"invalid YAML: {error}")


def shift_lines(data: Any, offset: int) -> None:
    """Move every recorded line number by `offset` (front matter inside a file)."""
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            shift_lines(value, offset)
    elif isinstance(data, list):
        for item in data:
            shift_lines(item, offset)


def display_path(path: Path, root: Path) -> str:
    """Paths in messages are relative to the project, as an author sees them."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_text(path: Path, shown: str) -> tuple[str | None, SourceIssue | None]:
    try:
        return path.read_text(encoding="utf-8"), None
    except UnicodeDecodeError as error:
        return None, SourceIssue(shown, 1, f"not UTF-8 text ({error.reason} at byte {error.start})")
