"""What a Spanish page must not show: raw codes, ISO dates and times, "UTC", and
English UI words. Shared by the HTTP crawl (tests/test_page_words.py) and usable
by the browser tour on a page's HTML.

Only what a person reads is scanned: text and the attributes read aloud or shown
(title, aria-label, placeholder, alt). <code>, <pre>, <script>, <style> and any
element in another language (lang="en", e.g. the language switch) are skipped.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED_TAGS = {"script", "style", "code", "pre", "template", "svg"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ISO_TIME = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})\b|T\d{2}:\d{2}")
UTC = re.compile(r"\bUTC\b")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
URL = re.compile(r"https?://\S+")  # an address shown to copy (a certificate's verification link): not words
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?![\d.])")  # 87.5 on a Spanish page (1.500 is grouping)
# Names that are written so in every language.
PROPER_NAMES = ("Open Badges 2.0",)
# Words of the English interface that would mean a string escaped translation.
# Whole words, case-sensitive as the interface writes them; none is also Spanish.
ENGLISH_WORDS = (
    "the", "and", "with", "your", "you", "this", "from", "until", "of", "for", "not", "are", "is",
    "Submit", "Save", "Cancel", "Search", "Filter", "Download", "Status", "Valid", "Active", "Expired",
    "Expiring", "Suspended", "Revoked", "Draft", "Submitted", "Reviewed", "Returned", "Passed", "Failed",
    "Never", "None", "Home", "Page", "Next", "Previous", "Show", "Edit", "Back", "Log in", "Log out",
    "entries", "entry", "minutes", "days", "points", "people", "person", "Reward", "Sanction", "Reversal",
    "minor", "major", "severe", "Name", "Date", "Yes", "Staff", "Administrator", "Closed", "Overdue",
    "Not started", "In progress", "Completed", "Qualification", "Department", "Loan", "Report",
)
ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w-])")


class _Text(HTMLParser):
    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.chunks: list[str] = []

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = attributes.get("lang")
        skipped = tag in SKIPPED_TAGS or (lang is not None and tag != "html" and lang != self.page_lang)
        if not skipped and not self._skipping():
            self.chunks.extend(attributes[a] for a in READ_ATTRIBUTES if attributes.get(a))
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.chunks.append(attributes["value"])
        if tag not in VOID_TAGS:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.chunks.append(data)


def visible_text(html: str, page_lang: str = "es") -> list[str]:
    parser = _Text(page_lang)
    parser.feed(html)
    parser.close()
    return [" ".join(chunk.split()) for chunk in parser.chunks]


def problems(html: str, lang: str = "es", extra_codes: set[str] = frozenset()) -> list[str]:
    """Each offending snippet, labelled with what is wrong. `extra_codes` are codes
    of the platform without an underscore (audit kinds, event kinds) that must not show."""
    found = []
    for chunk in visible_text(html, lang):
        for name in PROPER_NAMES:
            chunk = chunk.replace(name, "")
        chunk = URL.sub("", chunk)  # its random token may read like a code ('q_4s-...')
        checks = [("ISO date", ISO_DATE), ("ISO time", ISO_TIME), ("UTC", UTC), ("raw code", SNAKE_CASE)]
        if lang == "es":
            checks += [("English word", ENGLISH), ("decimal point", DECIMAL_POINT)]
        for what, pattern in checks:
            for match in pattern.finditer(chunk):
                found.append(f"{what} {match.group(0)!r} in {chunk[:160]!r}")
        for code in extra_codes:
            if re.search(r"(?<![\w.@])" + re.escape(code) + r"(?![\w.@])", chunk):
                found.append(f"raw code {code!r} in {chunk[:160]!r}")
    return found
