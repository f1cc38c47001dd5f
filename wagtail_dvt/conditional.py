"""Validators for conditional GETs: an ``ETag`` and a ``Last-Modified`` from data.

Never from the rendered body: the reader page's form token and CSRF token
change on every render, and hashing a body means paying for the whole body
before a 304 can be answered. Nor from the comment rows a read shows, which
cost most of the read to fetch. Each read validates with what it knows
cheaply: the page's published state (:func:`page_state`, from the row the
read loads anyway) and when the article last changed
(:mod:`wagtail_dvt.versions`: one indexed row, recorded in the transaction of
every change readers can see, a deletion included). So a 304 is answered
before any comment is read, serialized or rendered.

``Last-Modified`` is the newest of those times (and of this process's start,
which stands for its code and settings), to the second. A response whose
newest time falls in the current second carries no ``Last-Modified``: a
second change in the same second would not move it, and the ``ETag`` covers
that response. ``If-None-Match`` takes precedence over ``If-Modified-Since``
(RFC 9110, 13.2.2).
"""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections, router
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.utils.translation import get_language

from .comments.accounts import account_name, signed_in
from .conf import get_setting

#: When this process started (seconds since the epoch): its code and settings
#: are inputs of every validator, so ``Last-Modified`` is never older.
STARTED_AT = int(time.time())

#: Bumped when a representation changes shape, so that clients revalidate.
REPRESENTATION_VERSION = 2

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
    return stable_state(getattr(page, name, None) for name in PAGE_STATE_FIELDS)


def stable_state(values) -> tuple:
    """``values`` with datetimes as timestamps, whose ``repr`` does not depend
    on the driver's or the ORM's choice of ``tzinfo``."""
    return tuple(
        value.timestamp() if isinstance(value, datetime) else value for value in values
    )


@dataclass(frozen=True)
class Validators:
    """A read's ``ETag``, and its ``Last-Modified`` in seconds since the epoch
    (``None``: not sent)."""

    etag: str
    last_modified: int | None = None


def validators(*parts, moments=()) -> Validators:
    """The validators of a read showing ``parts``, last changed at ``moments``.

    ``moments`` are datetimes or seconds since the epoch; ``None`` values
    are ignored. ``Last-Modified`` is the newest of them and the process's
    start, unless that falls in the current second. The ``ETag`` also names
    the Sites (which host serves which part of the tree, cached by Wagtail),
    so editing a Site moves every validator.
    """
    from wagtail.models import Site

    newest = max(
        [
            STARTED_AT,
            *(
                int(moment if isinstance(moment, int) else moment.timestamp())
                for moment in moments
                if moment is not None
            ),
        ]
    )
    if newest >= int(time.time()):
        newest = None  # Another change this second would not move it.
    return Validators(etag(*parts, Site.get_site_root_paths()), newest)


def conditional(request) -> bool:
    """Whether ``request`` asks for a 304: a GET or HEAD with a validator."""
    return request.method in ("GET", "HEAD") and bool(
        request.headers.get("If-None-Match") or request.headers.get("If-Modified-Since")
    )


def fresh(request, validators: Validators | None) -> bool:
    """Whether the client's copy is current: the request answers 304.

    ``If-None-Match`` decides when present (weak comparison, or ``*``); else
    ``If-Modified-Since`` against ``Last-Modified``, to the second.
    """
    if validators is None or request.method not in ("GET", "HEAD"):
        return False
    header = request.headers.get("If-None-Match")
    if header:
        tags = parse_etags(header)
        return "*" in tags or validators.etag.removeprefix("W/") in {
            tag.removeprefix("W/") for tag in tags
        }
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    if since is None or validators.last_modified is None:
        return False
    return validators.last_modified <= since


def set_validators(response, validators: Validators) -> None:
    """Send ``validators`` as the ``ETag`` and ``Last-Modified`` headers."""
    response["ETag"] = validators.etag
    if validators.last_modified is not None:
        response["Last-Modified"] = http_date(validators.last_modified)


def host_parts(request) -> tuple:
    """What the absolute URLs of an API read depend on: scheme and host."""
    return (request.scheme, request.get_host())


def api_headers(response, validators: Validators | None, *, tags=(), request=None):
    """Give an API read its validators, caching policy, ``Vary`` and cache tags.

    With ``request`` carrying a session cookie, the read is ``private``:
    Wagtail shows pages behind a password or login restriction to a session
    that passed it, and that copy must not reach a shared cache.
    """
    if validators is not None:
        set_validators(response, validators)
    if request is not None and settings.SESSION_COOKIE_NAME in request.COOKIES:
        response["Cache-Control"] = PAGE_CACHE_CONTROL
        patch_vary_headers(response, ["Cookie"])
    else:
        response["Cache-Control"] = get_setting("API_CACHE_CONTROL")
    if translated_site():
        patch_vary_headers(response, ["Accept-Language"])
    add_cache_tags(response, tags)
    return response


def not_modified(validators: Validators, *, tags=(), request=None):
    """The 304 for an API read whose validator matched."""
    return api_headers(
        HttpResponseNotModified(), validators, tags=tags, request=request
    )


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


def article_validators(page, request) -> tuple[Validators | None, list[str]]:
    """``(validators, cache tags)`` of an article's API detail; ``None`` for others.

    From the page loaded already and its comments' change time: one small
    query, before any comment is read.
    """
    from .models import ArticlePageMixin
    from .versions import source_change

    if not isinstance(page, ArticlePageMixin):
        return None, []
    source_id, changed = source_change(page)
    found = _detail_validators(
        page_state(page), source_id, changed, page.last_published_at, request
    )
    return found, [article_tag(page.pk), article_tag(source_id)]


def stored_article_validators(request, page_id) -> tuple[Validators | None, list[str]]:
    """The validators of a public article's API detail, from one query.

    For a conditional GET, before Wagtail looks the page up: its lookup
    (the Site, every view restriction, the page, then the change time) costs
    more than the 304 itself. The validators name the host, the Sites' root
    paths and the page's live state and place, so a stored ``ETag`` matches
    only where the page is still public and unchanged. ``None`` where this
    cannot tell (an alias, a restricted page, an explicit ``?site=``, no
    such live article): Wagtail's lookup decides, then
    :func:`article_validators`.
    """
    if "site" in request.GET:
        return None, []
    row = _stored_article_state(page_id)
    if row is None:
        return None, []
    *values, changed, is_restricted = row
    if is_restricted:
        return None, []
    state = dict(zip(PAGE_STATE_FIELDS, values, strict=True))
    found = _detail_validators(
        stable_state(values), state["pk"], changed, state["last_published_at"], request
    )
    return found, [article_tag(state["pk"])]


def _stored_article_state(page_id) -> tuple | None:
    """The row of :func:`stored_article_validators`: ``PAGE_STATE_FIELDS``,
    the change time and whether a view restriction covers the page.

    Asked on every conditional GET of a detail, so the query is compiled
    once per database connection and then only run: building it cost
    several times running it. Django's own converters read the row, so it
    holds the values the ORM would give.
    """
    from .models import get_article_model

    model = get_article_model()
    connection = connections[router.db_for_read(model)]
    compiled = connection.__dict__.setdefault(_COMPILED_STATE_QUERIES, {})
    if model not in compiled:
        compiled[model] = _compile_state_query(model, connection.alias)
    compiler, sql, params, pk_index = compiled[model]
    params = list(params)
    params[pk_index] = model._meta.pk.get_db_prep_value(page_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchmany(1)
    return next(compiler.results_iter([rows], tuple_expected=True), None)


#: Where a database connection keeps its compiled state queries, by model.
_COMPILED_STATE_QUERIES = "_wagtail_dvt_state_queries"

#: The page id the state query is compiled with, found among its parameters.
_PLACEHOLDER_PK = -2_147_483_000


def _compile_state_query(model, alias):
    from django.db.models import Exists, F, OuterRef, Subquery
    from django.db.models.lookups import StartsWith
    from wagtail.models import PageViewRestriction

    from .versions import ArticleChange

    changed = ArticleChange.objects.filter(article_id=OuterRef("pk"))
    restricted = PageViewRestriction.objects.filter(
        StartsWith(OuterRef("path"), F("page__path"))
    )
    queryset = (
        model._default_manager.using(alias)
        .filter(pk=_PLACEHOLDER_PK, live=True, alias_of__isnull=True)
        .annotate(
            wagtail_dvt_changed=Subquery(changed.values("changed_at")[:1]),
            wagtail_dvt_restricted=Exists(restricted),
        )
        .values_list(
            *PAGE_STATE_FIELDS, "wagtail_dvt_changed", "wagtail_dvt_restricted"
        )[:1]
    )
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    (pk_index,) = [n for n, value in enumerate(params) if value == _PLACEHOLDER_PK]
    return compiler, sql, tuple(params), pk_index


def _detail_validators(state, source_id, changed, published, request) -> Validators:
    return validators(
        "detail",
        state,
        source_id,
        stable_state([changed]),
        host_parts(request),
        # The detail embeds this many comments (and lists them in its
        # structured data): a site that changes it changes every detail.
        get_setting("API_EMBEDDED_COMMENTS_LIMIT"),
        moments=(changed, published),
    )


def listing_validators(request, article=None) -> tuple[Validators, list[str]]:
    """``(validators, cache tags)`` of a comments listing, before reading it.

    Filtered by ``article``, the listing changes only when that article
    does (its comments, publishing, place or restrictions); otherwise when
    any does. The query string tells pages, filters and orders apart.
    """
    from .versions import ANY_ARTICLE, changed_at

    changed = changed_at(ANY_ARTICLE if article is None else article)
    tags = [article_tag(article)] if article is not None else [ALL_COMMENTS_TAG]
    found = validators(
        "listing",
        article,
        changed,
        sorted(request.GET.lists()),
        host_parts(request),
        moments=(changed,),
    )
    return found, tags


# -- The reader page ---------------------------------------------------------


def reader_page_validators(page, request) -> Validators | None:
    """The article page's validators for this reader; ``None``: do not validate.

    Covers the page's state, when its comments last changed, the requested
    comments page, the settings the form shows, the reader (signed-in user,
    CSRF cookie) and the age of the form token, so a page kept in a browser
    never offers a token older than half its ``FORM_TOKEN_MAX_AGE``.
    """
    from .models import source_shows_comments
    from .versions import changed_at

    messages = getattr(request, "_messages", None)
    if messages is not None and len(messages):
        return None  # One-off notices are never revalidated.
    source_id = page.comments_source_id
    changed = changed_at(source_id)
    token_period = max(1, int(get_setting("FORM_TOKEN_MAX_AGE")) // 2)
    period = int(time.time()) // token_period
    user = getattr(request, "user", None)
    return validators(
        "page",
        page_state(page),
        source_id,
        changed,
        # An alias shows its source's comments only to readers who may see it.
        source_id == page.pk or source_shows_comments(source_id, request),
        get_setting("MAX_THREAD_DEPTH"),
        get_setting("COMMENTS_PER_PAGE"),
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
        period,
        moments=(
            changed,
            page.last_published_at,
            period * token_period,
        ),
    )


def serve_reader_page(page, request, serve):
    """``serve()`` the article page, or a 304 when the reader has it already."""
    if request.method not in ("GET", "HEAD"):
        return serve()
    found = reader_page_validators(page, request)
    if fresh(request, found):
        response = HttpResponseNotModified()
    else:
        response = serve()
        if getattr(response, "status_code", None) != 200 or found is None:
            return response
    set_validators(response, found)
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    if translated_site():
        patch_vary_headers(response, ["Accept-Language"])
    return response
