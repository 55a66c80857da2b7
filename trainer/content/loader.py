"""Reads `content/<slug>/<locale>.md` into validated module sources.

Nothing here touches the database: `load_modules` returns the modules or
raises `SourceInvalid` with every problem found, each as `file:line`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text, shift_lines

LOCALES = ("es", "en")
SHARED_KEYS = ("slug", "order", "minutes", "qualifications", "version")
REQUIRED_KEYS = SHARED_KEYS + ("title", "summary")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_LINK_RE = re.compile(r"\]\(module:([^)\s#]*)")
SECTION_RE = re.compile(r"^## +(.+?)\s*#*\s*$")


@dataclass
class SectionSource:
    title: str
    markdown: str


@dataclass
class ModuleText:
    locale: str
    title: str
    summary: str
    sections: list[SectionSource]


@dataclass
class ModuleSource:
    slug: str
    order: int
    minutes: int
    qualifications: list[str]
    version: int
    texts: dict[str, ModuleText] = field(default_factory=dict)
    version_line: int = 1  # where `version:` stands in es.md, for messages about it
    minutes_line: int = 1  # where `minutes:` stands in es.md

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for locale in LOCALES:
            text = self.texts[locale]
            digest.update(f"{locale}\0{text.title}\0{text.summary}\0".encode())
            for section in text.sections:
                digest.update(f"{section.title}\0{section.markdown}\0".encode())
        return digest.hexdigest()


@dataclass
class _ParsedFile:
    shown: str
    meta: LineDict
    body: str
    body_first_line: int


def load_modules(content_dir: Path, qualification_codes: set[str]) -> list[ModuleSource]:
    issues: list[SourceIssue] = []
    modules: list[ModuleSource] = []
    if not content_dir.is_dir():
        raise SourceInvalid([SourceIssue(str(content_dir), 1, "content folder missing")])
    folders = sorted(p for p in content_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        module = _load_module(folder, content_dir, qualification_codes, issues)
        if module is not None:
            modules.append(module)
    if not folders:
        issues.append(SourceIssue(display_path(content_dir, content_dir), 1, "no modules found"))

    known_slugs = {m.slug for m in modules} | {f.name for f in folders}
    for module in modules:
        for locale, text in module.texts.items():
            _check_links(content_dir / module.slug / f"{locale}.md", content_dir, known_slugs, issues)
    _check_unique_order(modules, content_dir, issues)
    if issues:
        raise SourceInvalid(issues)
    return sorted(modules, key=lambda m: m.order)


def _load_module(folder: Path, root: Path, qualifications: set[str], issues: list[SourceIssue]) -> ModuleSource | None:
    parsed: dict[str, _ParsedFile] = {}
    start = len(issues)
    for extra in sorted(folder.glob("*.md")):
        if extra.stem not in LOCALES:
            issues.append(SourceIssue(display_path(extra, root), 1, f"unsupported language '{extra.stem}' (use es or en)"))
    for locale in LOCALES:
        path = folder / f"{locale}.md"
        shown = display_path(path, root)
        if not path.is_file():
            other = next((folder / f"{o}.md" for o in LOCALES if o != locale and (folder / f"{o}.md").is_file()), None)
            where = display_path(other, root) if other else display_path(folder, root)
            issues.append(SourceIssue(where, 1, f"{locale}.md missing: every module needs both es and en"))
            continue
        result = _parse_file(path, shown, issues)
        if result is not None:
            _check_meta(result, folder.name, qualifications, issues)
            parsed[locale] = result
    if len(parsed) == len(LOCALES):
        _check_pair(parsed, issues)
    if len(issues) > start or len(parsed) != len(LOCALES):
        return None

    meta = parsed["es"].meta
    module = ModuleSource(
        slug=meta["slug"], order=meta["order"], minutes=meta["minutes"],
        qualifications=list(meta["qualifications"]), version=meta["version"],
        version_line=meta.line_of("version"), minutes_line=meta.line_of("minutes"),
    )
    for locale, result in parsed.items():
        sections = split_sections(result.body, result.meta["title"])
        module.texts[locale] = ModuleText(locale, result.meta["title"], result.meta["summary"], sections)
    counts = {loc: len(t.sections) for loc, t in module.texts.items()}
    if len(set(counts.values())) > 1:
        issues.append(SourceIssue(parsed["en"].shown, parsed["en"].body_first_line,
                                  f"es has {counts['es']} sections and en has {counts['en']}: they must match"))
        return None
    return module


def _parse_file(path: Path, shown: str, issues: list[SourceIssue]) -> _ParsedFile | None:
    text, issue = read_text(path, shown)
    if issue:
        issues.append(issue)
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        issues.append(SourceIssue(shown, 1, "missing front matter: the file must start with a '---' line"))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        issues.append(SourceIssue(shown, 1, "front matter is not closed with a '---' line"))
        return None
    meta, issue = parse_yaml("\n".join(lines[1:end]), shown, first_line=2)
    if issue:
        issues.append(issue)
        return None
    if not isinstance(meta, LineDict):
        issues.append(SourceIssue(shown, 2, "front matter must be a mapping of keys to values"))
        return None
    shift_lines(meta, 1)
    return _ParsedFile(shown, meta, "\n".join(lines[end + 1:]), end + 2)


def _check_meta(parsed: _ParsedFile, folder_name: str, qualifications: set[str], issues: list[SourceIssue]) -> None:
    meta, shown = parsed.meta, parsed.shown
    for key in REQUIRED_KEYS:
        if key not in meta:
            issues.append(SourceIssue(shown, meta.line, f"front matter lacks '{key}'"))
    slug = meta.get("slug")
    if "slug" in meta and (not isinstance(slug, str) or not SLUG_RE.match(slug)):
        issues.append(SourceIssue(shown, meta.line_of("slug"), "slug must be lowercase words joined by '-'"))
    elif "slug" in meta and slug != folder_name:
        issues.append(SourceIssue(shown, meta.line_of("slug"), f"slug '{slug}' differs from its folder '{folder_name}'"))
    for key in ("order", "minutes", "version"):
        value = meta.get(key)
        if key in meta and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            issues.append(SourceIssue(shown, meta.line_of(key), f"'{key}' must be a whole number of at least 1"))
    for key in ("title", "summary"):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            issues.append(SourceIssue(shown, meta.line_of(key), f"'{key}' must be non-empty text"))
    codes = meta.get("qualifications")
    if "qualifications" in meta:
        if not isinstance(codes, list) or not codes:
            issues.append(SourceIssue(shown, meta.line_of("qualifications"), "'qualifications' must be a non-empty list"))
        else:
            for code in codes:
                if code not in qualifications:
                    known = ", ".join(sorted(qualifications))
                    issues.append(SourceIssue(shown, meta.line_of("qualifications"),
                                              f"unknown qualification '{code}' (known: {known})"))
    if not split_sections(parsed.body, ""):
        issues.append(SourceIssue(shown, parsed.body_first_line, "the module has no text"))


def _check_pair(parsed: dict[str, _ParsedFile], issues: list[SourceIssue]) -> None:
    es, en = parsed["es"], parsed["en"]
    for key in SHARED_KEYS:
        if key in es.meta and key in en.meta and es.meta[key] != en.meta[key]:
            issues.append(SourceIssue(en.shown, en.meta.line_of(key),
                                      f"'{key}' is {en.meta[key]!r} here but {es.meta[key]!r} in es.md"))


def split_sections(body: str, intro_title: str) -> list[SectionSource]:
    """Split at `## ` headings; text before the first one is the introduction."""
    sections: list[SectionSource] = []
    title, buffer = intro_title, []
    in_fence = False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else SECTION_RE.match(line)
        if match:
            if "\n".join(buffer).strip():
                sections.append(SectionSource(title, "\n".join(buffer).strip()))
            title, buffer = match.group(1), []
        else:
            buffer.append(line)
    if "\n".join(buffer).strip():
        sections.append(SectionSource(title, "\n".join(buffer).strip()))
    return sections


def _check_links(path: Path, root: Path, known_slugs: set[str], issues: list[SourceIssue]) -> None:
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        for match in MODULE_LINK_RE.finditer(line):
            if match.group(1) not in known_slugs:
                issues.append(SourceIssue(display_path(path, root), number,
                                          f"broken link: no module '{match.group(1)}'"))


def _check_unique_order(modules: list[ModuleSource], root: Path, issues: list[SourceIssue]) -> None:
    seen: dict[int, str] = {}
    for module in sorted(modules, key=lambda m: m.slug):
        if module.order in seen:
            issues.append(SourceIssue(f"{root.name}/{module.slug}/es.md", 1,
                                      f"order {module.order} is also used by '{seen[module.order]}'"))
        seen.setdefault(module.order, module.slug)
