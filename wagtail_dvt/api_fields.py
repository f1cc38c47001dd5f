"""The API fields of the article model, for v2 and v3.

They are Django REST framework fields, listed in ``ArticlePageMixin.api_fields``.
They say how an article is represented, not how it is served, so they live
in this leaf module that both the models and :mod:`wagtail_dvt.api` import:
the models never import the API package (which imports the models), and it
needs no lazy loading to break a cycle.
Wagtail's v2 API calls them directly; Wagtail 8's v3 API reuses them and types
each one from the return annotation of its ``to_representation``, so the
``TypedDict`` classes below are what ``/api/v3/openapi.json`` shows.

Embedded comments cost two queries per response at most (one for a detail),
not per page: the first comment field serialized for a page loads the
approved comments (capped at ``API_EMBEDDED_COMMENTS_LIMIT`` per page) and the
counts for every page of the listing being serialized at once, and caches
them on the page objects.
Each alias among them costs a query or two more: its source's view
restrictions, since an alias shows its source's comments only if both are public.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Literal

from django.db.models import Count, F, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework import fields
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.api import APIField

from .blocks import section_anchors, section_representation
from .conditional import note_embedded
from .conf import get_setting

if WAGTAIL_VERSION >= (8, 0):
    # v3 validates these types with pydantic, which needs typing_extensions'
    # TypedDict before Python 3.12 (pydantic depends on typing_extensions).
    from typing_extensions import TypedDict
else:
    from typing import TypedDict

#: The v3 URL names of Wagtail's page detail and of the comments listing
#: (see :mod:`wagtail_dvt.api.v3`).
V3_PAGE_DETAIL = "wagtailapi_v3:detail_page"
V3_COMMENTS_LISTING = "wagtailapi_v3:wagtail_dvt_list_comments"

_CACHE_ATTR = "_wagtail_dvt_api_comments"


class ArticleComment(TypedDict):
    """An approved reader comment, with its public fields only."""

    id: int
    author_name: str
    body: str
    body_html: str
    posted_at: datetime
    #: The id of the comment it replies to; ``None`` for a top-level comment.
    parent: int | None
    #: How many approved replies it has.
    reply_count: int
    #: Whether the article's owner wrote it, signed in (the "Author" badge).
    by_article_author: bool


class ArticleSectionValue(TypedDict):
    """A section: its heading, anchor, Markdown content and sanitized HTML."""

    heading: str
    anchor: str
    content: str
    html: str


class ArticleSection(TypedDict):
    """A block of an article's body, in Wagtail's StreamField API shape."""

    type: Literal["section"]
    value: ArticleSectionValue
    id: str | None


def api_field(name: str, *, writable: bool = False, **kwargs) -> APIField:
    """An ``APIField``; ``writable`` (v3 writes) is passed on Wagtail 8+ only."""
    if WAGTAIL_VERSION >= (8, 0):
        kwargs["writable"] = writable
    return APIField(name, **kwargs)


@dataclass(frozen=True)
class EmbeddedComments:
    """The approved comments embedded for one article, and how many there are.

    ``source_id`` is the article they belong to (an alias's source), which
    ``comments_url`` reuses: finding it costs a query per alias link.
    ``rows`` are the values read; their API shape, ``comments``, is built
    only when serialized, so a conditional GET answered with a 304 (see
    :mod:`wagtail_dvt.conditional`) never builds it.
    """

    rows: tuple
    count: int
    source_id: int | None

    @cached_property
    def comments(self) -> list[ArticleComment]:
        zone = timezone.get_current_timezone()
        return [comment_representation(row, zone) for row in self.rows]

    @cached_property
    def _derived(self) -> dict:
        return {}

    def derived(self, key, build):
        """``build()``, called once per ``key`` for these comments.

        For what is computed from them alone: they are shared by every
        detail of the article until it changes (see :func:`embed_comments`).
        """
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
            return value


def embed_comments(pages) -> None:
    """Load the embedded comments and counts of ``pages``, in one query.

    Caches an :class:`EmbeddedComments` on each page that has none yet; pages
    without a primary key get an empty one. Rows are read as values, not
    model instances, which would cost more to build than to serialize.
    """
    from .api.common import approved_reply_count
    from .comments.accounts import by_article_author
    from .models import (
        Comment,
        CommentStatus,
        comments_source_id,
        source_shows_comments,
    )

    pages = [page for page in pages if not hasattr(page, _CACHE_ATTR)]
    if len(pages) == 1 and _embed_recent(pages[0]):
        note_embedded(pages)
        return
    # An alias shows its source article's comments, if the source is public:
    # the API serves the alias, public, whatever restricts its source.
    sources = {page.pk: _source_id(page, comments_source_id) for page in pages}
    aliased = {source for page, source in sources.items() if source != page}
    hidden = {source for source in aliased if not source_shows_comments(source)}
    ids = {source for source in sources.values() if source not in hidden}
    ids.discard(None)
    rows, counts = [], {}
    limit = get_setting("API_EMBEDDED_COMMENTS_LIMIT")
    approved = Comment.objects.filter(page_id__in=ids, status=CommentStatus.APPROVED)
    if len(ids) == 1 and limit:
        # One article (a detail view): a plain slice, far cheaper to build
        # than the windowed query, with the count as a scalar subquery that
        # the database runs once, so 19 and 1,000 comments cost one query.
        (page_id,) = ids
        total = approved.order_by().values("page_id").annotate(n=Count("pk"))
        rows = list(
            approved.annotate(
                total=Subquery(total.values("n")[:1]),
                reply_count=approved_reply_count(),
                by_article_author=by_article_author(),
            ).values(
                *Comment.PUBLIC_FIELDS, "reply_count", "by_article_author", "total"
            )[:limit]
        )
        counts[page_id] = rows[0].pop("total") if rows else 0
        for row in rows[1:]:
            del row["total"]
    elif ids:
        counts = dict(
            approved.order_by()
            .values("page_id")
            .annotate(count=Count("pk"))
            .values_list("page_id", "count")
        )
        if limit:
            # The first ``limit`` comments of each page, in one query: a
            # sliced Prefetch would do the same, but modelcluster's child
            # relation manager cannot prefetch a sliced queryset.
            rows = (
                approved.annotate(
                    rank=Window(
                        RowNumber(),
                        partition_by=[F("page_id")],
                        order_by=[F("posted_at").asc(), F("pk").asc()],
                    )
                )
                .filter(rank__lte=limit)
                .annotate(
                    reply_count=approved_reply_count(),
                    by_article_author=by_article_author(),
                )
                .order_by("page_id", "posted_at", "pk")
                .values(*Comment.PUBLIC_FIELDS, "reply_count", "by_article_author")
            )
    by_page = {}
    for row in rows:
        by_page.setdefault(row["page_id"], []).append(row)
    for page in pages:
        source = sources[page.pk]
        setattr(
            page,
            _CACHE_ATTR,
            EmbeddedComments(
                tuple(by_page.get(source, ())), counts.get(source, 0), source
            ),
        )
    if len(pages) == 1:
        _remember(pages[0], getattr(pages[0], _CACHE_ATTR))
    note_embedded(pages)


def _source_id(page, comments_source_id):
    # Known already where the detail's validators walked the alias chain.
    known = getattr(page, "_wagtail_dvt_source_change", None)
    return known[0] if known is not None else comments_source_id(page)


#: The embedded comments of the articles read last, by article, time of its
#: last change (:mod:`wagtail_dvt.versions`), cap and time zone. A change
#: readers can see records a new time, so an entry is never served stale; it
#: only ages out.
_RECENT: OrderedDict = OrderedDict()
_RECENT_SIZE = 256
_RECENT_LOCK = threading.Lock()


def _recent_key(page):
    from django.db import router

    from .versions import source_change

    source_id, changed = source_change(page)
    if changed is None or source_id != page.pk:
        return None  # Never changed, or an alias: whether it shows them varies.
    return (
        router.db_for_read(type(page)),
        source_id,
        changed,
        get_setting("API_EMBEDDED_COMMENTS_LIMIT"),
        timezone.get_current_timezone_name(),
    )


def _embed_recent(page) -> bool:
    """Give a detail's page the embedded comments read for its last change."""
    key = _recent_key(page)
    with _RECENT_LOCK:
        embedded = _RECENT.get(key) if key is not None else None
        if embedded is not None:
            _RECENT.move_to_end(key)
    if embedded is None:
        return False
    setattr(page, _CACHE_ATTR, embedded)
    return True


def _remember(page, embedded) -> None:
    key = _recent_key(page)
    if key is None:
        return
    with _RECENT_LOCK:
        _RECENT[key] = embedded
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)


def get_embedded_comments(page, field=None) -> EmbeddedComments:
    """The :class:`EmbeddedComments` of ``page``, loading them if needed.

    In a v2 listing, ``field`` (the serializer field asking) leads to the other
    pages being serialized, which are loaded at the same time.
    """
    if not hasattr(page, _CACHE_ATTR):
        embed_comments(_pages_serialized_with(page, field))
    return getattr(page, _CACHE_ATTR)


def _pages_serialized_with(page, field):
    # A v2 listing serializes an evaluated queryset (or search results) with a
    # ListSerializer at the root of the field's tree; a detail view serializes
    # one page, and v3 binds its copy of the field to no serializer at all.
    instance = getattr(getattr(field, "root", None), "instance", None)
    if isinstance(instance, list | tuple):
        batch = instance
    else:
        batch = getattr(instance, "_result_cache", None) or getattr(
            instance, "_results_cache", None
        )
    if batch and any(other is page for other in batch):
        return batch
    return [page]


def comment_representation(row: dict, zone) -> ArticleComment:
    """The API's shape of a comment's ``Comment.PUBLIC_FIELDS`` values.

    ``body_html`` is the text as the page renders it. The time is in
    ``zone``, the current time zone, as DRF's DateTimeField gives it, to the
    second (see :func:`api_time`).
    """
    from .models import comment_body_html

    return {
        "id": row["pk"],
        "author_name": row["author_name"],
        "body": row["body"],
        "body_html": comment_body_html(row["body"]),
        "posted_at": api_time(row["posted_at"], zone),
        "parent": row["parent_id"],
        "reply_count": row["reply_count"],
        "by_article_author": row["by_article_author"],
    }


def api_time(moment: datetime, zone=None) -> datetime:
    """``moment`` as the APIs show comment times: to the second, in ``zone``.

    Web comments are stored with microseconds and imported ones to the
    minute; v2 and v3 would write the fraction differently (six and three
    digits), so both show whole seconds.
    """
    if zone is not None:
        moment = moment.astimezone(zone)
    return moment.replace(microsecond=0)


class _PageField(fields.Field):
    """A read-only field computed from the whole page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)


class ArticleBodyField(_PageField):
    """``body``, with each section's anchor as the rendered page has it.

    A block's own ``get_api_representation`` cannot see the other sections,
    so it cannot tell a repeated heading's anchor; the page can. Sections are
    read from the stream's raw JSON, which holds all they show: turning each
    block into Python values first would cost more than the rest of the body.
    """

    def to_representation(self, page) -> list[ArticleSection]:
        stream = list(page.body.raw_data)
        sections = [
            (item["value"].get("heading") or "", item["value"].get("content") or "")
            for item in stream
            if item["type"] == "section"
        ]
        anchors = section_anchors(heading for heading, _content in sections)
        represented = iter(
            section_representation(heading, content, anchor)
            for (heading, content), anchor in zip(sections, anchors, strict=True)
        )
        blocks = []
        for index, item in enumerate(stream):
            if item["type"] == "section":
                value = next(represented)
            else:
                block = page.body[index]
                value = block.block.get_api_representation(block.value, self.context)
            blocks.append({"type": item["type"], "value": value, "id": item.get("id")})
        return blocks


class ApprovedCommentsField(_PageField):
    """The article's first approved comments, oldest first; public fields only."""

    def to_representation(self, page) -> list[ArticleComment]:
        return get_embedded_comments(page, self).comments


class CommentCountField(_PageField):
    """How many approved comments the article has, embedded or not."""

    def to_representation(self, page) -> int:
        return get_embedded_comments(page, self).count


class CommentsURLField(_PageField):
    """Where to read all of the article's approved comments, page by page.

    In v2, the comments endpoint registered on the same router (``None``
    without one). In v3, the comments router's listing, absolute when
    ``WAGTAILAPI_BASE_URL`` is set (v3 gives fields no request to build it
    from), and ``None`` when the router is not added.
    """

    def to_representation(self, page) -> str | None:
        # Not importable while models load (this module is imported then).
        from wagtail.api.v2.utils import get_full_url

        from .models import Comment, comments_source_id

        router = self.context.get("router")
        request = self.context.get("request")
        if router is not None:
            path = router.get_model_listing_urlpath(Comment)
        elif WAGTAIL_VERSION >= (8, 0):
            try:
                path = reverse(V3_COMMENTS_LISTING)
            except NoReverseMatch:
                path = None
        else:
            path = None
        if path is None:
            return None
        # An alias's comments are its source article's.
        embedded = getattr(page, _CACHE_ATTR, None)
        source_id = embedded.source_id if embedded else comments_source_id(page)
        return f"{get_full_url(request, path)}?article={source_id}"
