"""The article's ``structured_data`` API field: its JSON-LD as JSON.

API v2 (``ArticlePagesAPIViewSet``) shows it only when asked for, with
``?fields=structured_data``; v3 shows it in the page detail. It lists the
comments the API embeds, so it costs no query, and the detail of a crowded
article serializes no more than the cap.
"""

from __future__ import annotations

from typing import Any

from ..api_fields import _PageField, get_embedded_comments
from .structured_data import blog_posting, comment_items, page_language

#: The field's name, which v2 leaves out of its defaults and of ``fields=*``.
STRUCTURED_DATA = "structured_data"


class StructuredDataField(_PageField):
    """The article as the page's schema.org ``BlogPosting`` JSON-LD.

    Its ``comment`` list is the embedded comments (the first
    ``API_EMBEDDED_COMMENTS_LIMIT``), and ``commentCount`` the total, as in
    the API's own fields; built once per change of the article, like the
    embedded comments it is made of.
    """

    def to_representation(self, page) -> dict[str, Any]:
        # Not importable while models load (the models list this field).
        from ..api.common import page_html_url

        embedded = get_embedded_comments(page, self)
        url = page_html_url(page, self.context.get("request"))
        return blog_posting(
            page,
            url=url,
            comments=embedded.derived(
                (STRUCTURED_DATA, url), lambda: comment_items(embedded.rows, url or "")
            ),
            comment_count=embedded.count,
            language=page_language(page),
        )


#: v2 fields shown only when ``?fields=`` names them: not by default, nor
#: with ``*``, so that no default detail or listing pays for them.
OPT_IN_FIELDS = (STRUCTURED_DATA,)


def without_opt_in(names: list[str]) -> list[str]:
    """A v2 endpoint's default fields, without the opt-in ones."""
    return [name for name in names if name not in OPT_IN_FIELDS]


def unless_named(fields_config: list, available: list[str]) -> list:
    """Wagtail's parsed ``?fields=``, with opt-in fields taken out of ``*``.

    An entry ``(name, negated, sub_fields)`` per field; a negated entry
    appended takes a field out after ``*`` put it in (Wagtail refuses other
    fields beside ``*``, so ``?fields=structured_data`` is how to get it).
    ``available``: the model's field names; other page types never hear of it.
    """
    if not fields_config or fields_config[0][0] != "*":
        return fields_config
    dropped = [(name, True, None) for name in OPT_IN_FIELDS if name in available]
    return [*fields_config, *dropped]
