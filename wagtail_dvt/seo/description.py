"""An article's meta description, made from its first section.

Search engines show about 160 characters; longer descriptions are cut, and
Lighthouse scores a page without one lower. The importer fills an empty
``search_description`` with :func:`describe`; editors may change it.
"""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

from ..markdown import render_section_markdown

#: The longest description, in characters: what search engines show.
MAX_LENGTH = 160
ELLIPSIS = "…"

_SPACES = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """``markdown`` as one line of plain text: no markup, entities decoded.

    Rendered first, as the page shows it, so that links keep their words
    and emphasis loses its asterisks, then stripped of the HTML.
    """
    text = html.unescape(strip_tags(str(render_section_markdown(markdown))))
    return _SPACES.sub(" ", text).strip()


def truncate_at_word(text: str, limit: int = MAX_LENGTH) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS) + 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    else:  # one long word: cut inside it rather than give nothing
        cut = cut[:-1]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


def describe(markdown: str) -> str:
    """A meta description from a section's Markdown: plain, at most 160 characters."""
    return truncate_at_word(plain_text(markdown))


def fill_description(page, first_section_markdown: str | None) -> None:
    """Give ``page`` a description from its first section, unless it has one.

    An editor's description, or one an earlier import made, is never replaced.
    A custom base page without ``search_description`` (Wagtail 8) gets none.
    """
    if not hasattr(page, "search_description"):
        return
    if not (page.search_description or "").strip() and first_section_markdown:
        page.search_description = describe(first_section_markdown)
