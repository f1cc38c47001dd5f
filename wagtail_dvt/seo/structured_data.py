"""schema.org ``BlogPosting`` JSON-LD for an article and its comments.

One builder for the page (the ``dvt_structured_data`` tag) and both APIs
(the ``structured_data`` field), so they agree. It takes comments as loaded
objects or as value rows of ``Comment.PUBLIC_FIELDS`` and runs no query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe
from wagtail.coreutils import get_supported_content_language_variant

SCHEMA_CONTEXT = "https://schema.org"

# Inside <script>, only "</script" (or "<!--") can end the element early;
# escaping every "<", ">" and "&" as JSON \u escapes rules that out whatever a
# comment says, as Django's json_script filter does.
_SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


def _get(item, name, default=None):
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def comment_anchor(url: str, comment_id) -> str:
    """The URL of a comment on the page at ``url``."""
    return f"{url}#comment-{comment_id}"


def comment_item(comment, page_url: str) -> dict:
    """A schema.org ``Comment``: author, time, text and where it is shown."""
    comment_id = _get(comment, "pk") or _get(comment, "id")
    url = comment_anchor(page_url, comment_id)
    item = {
        "@type": "Comment",
        "@id": url,
        "url": url,
        "author": {"@type": "Person", "name": _get(comment, "author_name")},
        "dateCreated": _iso(_get(comment, "posted_at")),
        "text": _get(comment, "body"),
    }
    # Threads: a reply names the comment it answers, once comments carry a
    # ``parent_id`` (load it with the public fields to have it here).
    parent_id = _get(comment, "parent_id")
    if parent_id:
        item["parentItem"] = {"@id": comment_anchor(page_url, parent_id)}
    return item


def comment_items(comments: Iterable, page_url: str) -> list[dict]:
    """The ``comment`` list of a ``BlogPosting`` shown at ``page_url``."""
    return [comment_item(comment, page_url) for comment in comments]


def blog_posting(
    page,
    *,
    url: str | None,
    comments: Iterable[dict] = (),
    comment_count: int = 0,
    language: str | None = None,
) -> dict:
    """The article as a schema.org ``BlogPosting``, with ``comments``.

    ``url`` is the article's canonical address. ``comments`` are the items
    of :func:`comment_items`, built by the caller, which knows the page of
    comments they are shown on and may reuse them.
    """
    modified = page.last_published_at or page.latest_revision_created_at
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "BlogPosting",
        "headline": page.title,
        "datePublished": _iso(page.date),
        "dateModified": _iso(modified or page.date),
        "author": {"@type": "Person", "name": page.author},
        "description": getattr(page, "search_description", "") or "",
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": language,
        "commentCount": comment_count,
        "comment": list(comments),
    }
    return {key: value for key, value in data.items() if value is not None}


def script_json(data) -> str:
    """``data`` as JSON that no text inside it can end a ``<script>`` early."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    # str.replace is many times faster than str.translate on long text.
    for character, escape in _SCRIPT_ESCAPES:
        text = text.replace(character, escape)
    return text


def json_ld_script(data) -> SafeString:
    """A ``<script type="application/ld+json">`` element holding ``data``."""
    return mark_safe(  # noqa: S308 - script_json escapes every "<", ">" and "&"
        f'<script type="application/ld+json">{script_json(data)}</script>'
    )


def page_language(page) -> str | None:
    """The page's language code: its locale's.

    Without ``WAGTAIL_I18N_ENABLED`` every page is in the default locale, whose
    code comes from the settings; reading the page's locale would cost a query.
    """
    if getattr(page, "locale_id", None) is None:
        return None
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return get_supported_content_language_variant(settings.LANGUAGE_CODE)
    return page.locale.language_code
