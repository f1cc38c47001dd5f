"""Section Markdown rendered to sanitised HTML, remembered per process.

Rendering Markdown costs about 25 times a plain text block, and the same
sections are served over and over by the page and the API, so each distinct
text is rendered once. Entries are keyed by the text itself, so an edited
section can never be served stale; changing ``WAGTAILMARKDOWN`` clears them.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.safestring import SafeString, mark_safe
from wagtailmarkdown.utils import render_markdown


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return str(render_markdown(text))


def render_section_markdown(text: str) -> SafeString:
    """HTML for ``text`` exactly as wagtail-markdown renders and sanitises it."""
    return mark_safe(_render(text))  # noqa: S308 - sanitised by wagtail-markdown


@receiver(setting_changed)
def _forget_rendered_markdown(setting, **kwargs):
    if setting == "WAGTAILMARKDOWN":
        _render.cache_clear()
