"""Markdown to HTML, sanitised: module text can never inject script."""
from __future__ import annotations

import threading
from functools import lru_cache

import markdown
import nh3

# `module:` links are resolved to real URLs when a page is shown (see resolve_module_links).
_URL_SCHEMES = {"http", "https", "mailto", "module"}
_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h3", "h4", "h5", "h6",
    "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}


_local = threading.local()


def _converter() -> markdown.Markdown:
    """One converter per thread, reset between texts: building one costs more than converting."""
    if not hasattr(_local, "md"):
        _local.md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    return _local.md.reset()


@lru_cache(maxsize=1024)
def render_markdown(text: str) -> str:
    """Pure in its text, so a sync that finds most sections unchanged (and the
    test suite, which loads the same modules hundreds of times) renders each once."""
    html = _converter().convert(text)
    return nh3.clean(html, tags=_TAGS, url_schemes=_URL_SCHEMES, link_rel="noopener noreferrer")


def resolve_module_links(html: str, modules_base_url: str) -> str:
    """Turn `href="module:slug"` into `href="<modules_base_url>slug"`."""
    return html.replace('href="module:', f'href="{modules_base_url}')
