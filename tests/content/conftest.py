"""A throw-away content folder that tests can break on purpose."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MODULE = """---
slug: {slug}
title: {title}
order: {order}
minutes: 10
qualifications: [inspector]
version: {version}
summary: A short summary.
---
Introduction text for {slug}.

## First section

Body of the first section. See [the other](module:{link}).

## Second section

Body of the second section.
"""


QUALIFICATIONS = """qualifications:
  inspector:
    name: {es: Inspector, en: Inspector}
    description: {es: Inspecciona, en: Inspects}
  supervisor:
    name: {es: Supervisor, en: Supervisor}
    description: {es: Supervisa, en: Supervises}
    prerequisites: [inspector]
"""


class ContentTree:
    def __init__(self, root: Path):
        self.content = root / "content"
        self.bank = root / "question_bank"
        self.content.mkdir()
        self.bank.mkdir()
        # Definitions without exams, so these tests need no question bank.
        (self.bank / "qualifications.yaml").write_text(QUALIFICATIONS, encoding="utf-8")
        (self.bank / "tags.yaml").write_text("tags: {}\n", encoding="utf-8")

    def write(self, slug: str, order: int = 1, version: int = 1, link: str | None = None,
              locales=("es", "en"), **overrides) -> None:
        folder = self.content / slug
        folder.mkdir(exist_ok=True)
        for locale in locales:
            text = MODULE.format(slug=slug, title=f"{slug} {locale}", order=order, version=version, link=link or slug)
            for old, new in overrides.get(locale, {}).items():
                text = text.replace(old, new)
            (folder / f"{locale}.md").write_text(text, encoding="utf-8")

    def path(self, slug: str, locale: str) -> Path:
        return self.content / slug / f"{locale}.md"


@pytest.fixture
def tree(tmp_path) -> ContentTree:
    return ContentTree(tmp_path)
