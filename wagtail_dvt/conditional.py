"""Validators for conditional GETs: ETags computed from the data a response shows.

Never from the rendered body: the reader page's form token and CSRF token
change on every render, and hashing a body means paying for the whole body
before a 304 can be answered. Instead, each read hashes what it shows: the
page's published state (:func:`page_state`) and the comment rows it reads,
every column of them. A column a future feature adds to those rows (a
thread's ``reply_count``) is covered as soon as the read selects it.

``If-None-Match`` is answered with a 304 when the validator matches. No
``Last-Modified`` is sent: no column records when a comment was last
approved, rejected, edited or deleted, and one computed from ``posted_at``
would answer a stale 304 after a moderation. ``If-Modified-Since`` alone
therefore always gets the full response, which RFC 9110 allows.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

from .comments.accounts import account_name, signed_in
from .conf import get_setting

#: Bumped when a representation changes shape, so that clients revalidate.
REPRESENTATION_VERSION = 1

#: The page columns the article's reads show or depend on.
PAGE_STATE_FIELDS = (
    "pk",
    "live",
    "live_revision_id",
    "last_published_at",
    "url_path",
    "title",
    "alias_of_id",
    "comments_open",
)

#: The reader page's own headers: per reader (form and CSRF tokens), so
#: stored by the browser only, and revalidated on every visit.
PAGE_CACHE_CONTROL = "private, max-age=0, must-revalidate"


#: The surrogate key of every response that shows comments from any article
#: (unfiltered comment listings).
ALL_COMMENTS_TAG = "wagtail-dvt-comments"


def article_tag(article_id) -> str:
    """The surrogate key of every response showing the article's comments."""
    return f"wagtail-dvt-article-{article_id}"


def etag(*parts) -> str:
    """A strong ETag (quoted) of ``parts``, values whose ``repr`` is stable."""
    text = repr((REPRESENTATION_VERSION, get_language(), parts)).encode()
    return '"' + hashlib.sha256(text).hexdigest()[:40] + '"'


def page_state(page) -> tuple:
    """What a read shows of the page itself: its published state and place."""
    return tuple(getattr(page, name, None) for name in PAGE_STATE_FIELDS)


def rows_state(rows) -> tuple:
    """Every value of the comment rows a read shows, in their order."""
    return tuple(
        tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows
    )


def matches(request, validator: str | None) -> bool:
    """Whether the request's ``If-None-Match`` names ``validator`` (or ``*``)."""
    header = request.headers.get("If-None-Match")
    if not header or validator is None or request.method not in ("GET", "HEAD"):
        return False
    tags = parse_etags(header)
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    return "*" in tags or validator.removeprefix("W/") in {
        tag.removeprefix("W/") for tag in tags
    }


def api_headers(response, validator: str | None, *, tags=(), request=None):
    """Give an API read its validator, caching policy, ``Vary`` and cache tags.

    With ``request`` carrying a session cookie, the read is ``private``:
    Wagtail shows pages behind a password or login restriction to a session
    that passed it, and that copy must not reach a shared cache.
    """
    if validator is not None:
        response["ETag"] = validator
    if request is not None and settings.SESSION_COOKIE_NAME in request.COOKIES:
        response["Cache-Control"] = PAGE_CACHE_CONTROL
        patch_vary_headers(response, ["Cookie"])
    else:
        response["Cache-Control"] = get_setting("API_CACHE_CONTROL")
    if translated_site():
        patch_vary_headers(response, ["Accept-Language"])
    add_cache_tags(response, tags)
    return response


def not_modified(validator: str, *, tags=(), request=None):
    """The 304 for an API read whose validator matched."""
    return api_headers(HttpResponseNotModified(), validator, tags=tags, request=request)


def add_cache_tags(response, tags) -> None:
    """Name the response's surrogate keys in ``CACHE_TAG_HEADERS``.

    Cloudflare reads ``Cache-Tag`` (comma-separated), Fastly and Varnish's
    xkey ``Surrogate-Key`` (space-separated); a purge by tag then reaches
    every cached URL of an article, whatever its query string.
    """
    tags = sorted(set(tags))
    if not tags:
        return
    for header in get_setting("CACHE_TAG_HEADERS"):
        separator = "," if header.lower() == "cache-tag" else " "
        response[header] = separator.join(tags)


def translated_site() -> bool:
    """Whether responses depend on ``Accept-Language``: a multilingual site."""
    return bool(
        getattr(settings, "WAGTAIL_I18N_ENABLED", False)
        or "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE
    )


#: The articles whose embedded comments were loaded while collecting.
_embedded: ContextVar[list | None] = ContextVar("wagtail_dvt_embedded", default=None)


@contextmanager
def collect_embedded():
    """Collect the articles whose embedded comments a view loads, in a list.

    Lets a middleware validate what a view it does not own serialized,
    without reading the article again.
    """
    collected = []
    token = _embedded.set(collected)
    try:
        yield collected
    finally:
        _embedded.reset(token)


def note_embedded(pages) -> None:
    """Called by ``embed_comments()``: add ``pages`` to a running collection."""
    collected = _embedded.get()
    if collected is not None:
        collected.extend(pages)


# -- The API's reads ---------------------------------------------------------


def article_validator(page) -> tuple[str | None, list[str]]:
    """``(validator, cache tags)`` of an article's API detail; ``None`` for others.

    Reads the embedded comments (see :func:`~wagtail_dvt.api_fields.embed_comments`)
    that the full response then serializes, so validating costs no query.
    """
    from .api_fields import get_embedded_comments
    from .models import ArticlePageMixin

    if not isinstance(page, ArticlePageMixin):
        return None, []
    embedded = get_embedded_comments(page)
    validator = etag(
        "detail",
        page_state(page),
        embedded.source_id,
        embedded.count,
        rows_state(embedded.rows),
    )
    return validator, [article_tag(page.pk), article_tag(embedded.source_id)]


def listing_validator(page, filters) -> tuple[str, list[str]]:
    """``(validator, cache tags)`` of a page of a comments listing.

    ``page`` is a :class:`~wagtail_dvt.api.listing.CommentsPage`: its rows hold
    every column the items show, the article's title and path included.
    """
    article = filters.get("article")
    tags = [article_tag(article)] if article is not None else [ALL_COMMENTS_TAG]
    return etag("listing", page.total_count, rows_state(page.rows)), tags


# -- The reader page ---------------------------------------------------------


def reader_page_validator(page, request) -> str | None:
    """The article page's validator for this reader; ``None``: do not validate.

    Covers the page's state, the comments on the requested comments page and
    their count, the settings the form shows, the reader (signed-in user,
    CSRF cookie) and the age of the form token, so a page kept in a browser
    never offers a token older than half its ``FORM_TOKEN_MAX_AGE``.
    """
    messages = getattr(request, "_messages", None)
    if messages is not None and len(messages):
        return None  # One-off notices are never revalidated.
    # The comments the template then shows, read once.
    comments = page.comments_page(request)
    token_period = max(1, int(get_setting("FORM_TOKEN_MAX_AGE")) // 2)
    user = getattr(request, "user", None)
    return etag(
        "page",
        page_state(page),
        page.comments_source_id,
        comments.paginator.count,
        comments.comment_count,
        comments.number,
        rows_state(
            (
                comment.pk,
                comment.author_name,
                comment.body,
                comment.posted_at,
                comment.parent_id,
                comment.reply_count,
                comment.can_reply,
                comment.by_article_author,
            )
            for comment in comments.object_list
        ),
        get_setting("MAX_THREAD_DEPTH"),
        page.comments_open and page.is_restricted(request),
        get_setting("AUTO_APPROVE"),
        get_setting("PRIVACY_POLICY_URL"),
        get_setting("COMMENTS_REQUIRE_LOGIN"),
        request.GET.urlencode(),
        # The account, and the name the form says the reader comments under.
        (user.pk, account_name(user)) if signed_in(user) else None,
        # The CSRF secret the form's token is masked from (not the masked
        # token, which changes on every render).
        request.META.get("CSRF_COOKIE"),
        int(time.time()) // token_period,
    )


def serve_reader_page(page, request, serve):
    """``serve()`` the article page, or a 304 when the reader has it already."""
    if request.method not in ("GET", "HEAD"):
        return serve()
    validator = reader_page_validator(page, request)
    if validator is not None and matches(request, validator):
        response = HttpResponseNotModified()
    else:
        response = serve()
        if getattr(response, "status_code", None) != 200 or validator is None:
            return response
    response["ETag"] = validator
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    if translated_site():
        patch_vary_headers(response, ["Accept-Language"])
    return response
