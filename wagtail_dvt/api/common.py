"""What the comments endpoints show and accept: shared by API v2 and v3."""

from __future__ import annotations

import json
from datetime import MAXYEAR, UTC, date, datetime, time
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Length, Substr
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from wagtail.api.v2.utils import get_full_url
from wagtail.models import PageViewRestriction, Site

from ..comments.accounts import by_article_author, is_article_author
from ..comments.admission import (
    ArticleNotFound,
    CommentFlood,
    CommentRefused,
    submit_comment,
)
from ..comments.reports import submit_report
from ..comments.views import client_ip
from ..models import Comment, CommentStatus, get_article_model

#: The message of a 202 answer to a POST: the same for pending and spam
#: comments, so that a spammer learns nothing.
RECEIVED_MESSAGE = "Thank you! Your comment is awaiting moderation."

#: The answer to every report, stored or not (see ``comments.reports``).
REPORT_RECEIVED_MESSAGE = "Thank you. Moderators will look at this comment."
#: What a report's body may contain.
REPORT_FIELDS = frozenset(["reason"])

#: The largest id a filter or a posted comment may name: the largest integer
#: SQLite and PostgreSQL store. Larger numbers can be no page's id.
MAX_ID = 2**63 - 1

#: Comments per page of a listing: by default, and at most (v2 and v3 alike,
#: whatever ``WAGTAILAPI_LIMIT_MAX`` says for Wagtail's own endpoints).
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

#: Stable ``code`` values of the endpoints' errors, besides the refusals'
#: own (``CommentRefused.code``: ``invalid_comment``, ``comments_closed``...).
INVALID_REQUEST = "invalid_request"
INVALID_JSON = "invalid_json"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
REQUEST_TOO_LARGE = "request_too_large"
COMMENT_NOT_FOUND = "comment_not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
NOT_ACCEPTABLE = "not_acceptable"
UNAUTHORIZED = "unauthorized"

#: The code of an error answer that carries none of its own, by status.
CODES_BY_STATUS = {
    400: INVALID_REQUEST,
    401: UNAUTHORIZED,
    404: COMMENT_NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    406: NOT_ACCEPTABLE,
    413: REQUEST_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: INVALID_REQUEST,
}


#: Most errors an answer lists, and the longest name or message in it: an
#: error answer stays small whatever the request held (a body of a million
#: unknown keys must not come back as a larger answer).
MAX_ERRORS = 10
MAX_ERROR_TEXT = 100


def bounded_text(text: str) -> str:
    """``text`` cut to :data:`MAX_ERROR_TEXT` characters."""
    text = str(text)
    if len(text) <= MAX_ERROR_TEXT:
        return text
    return text[: MAX_ERROR_TEXT - 1] + "…"


def bounded_field_errors(errors: dict) -> dict:
    """API v2's ``{field: [messages]}``, with at most :data:`MAX_ERRORS` fields.

    The rest are counted under ``non_field_errors``.
    """
    items = list(errors.items())
    bounded = {
        bounded_text(field): [bounded_text(text) for text in messages[:MAX_ERRORS]]
        for field, messages in items[:MAX_ERRORS]
    }
    if len(items) > MAX_ERRORS:
        bounded.setdefault("non_field_errors", []).append(
            f"And {len(items) - MAX_ERRORS} more fields with errors."
        )
    return bounded


def bounded_error_items(items: list) -> list:
    """API v3's error items (``loc``, ``msg``, ``type``), at most :data:`MAX_ERRORS`.

    Names and messages are cut to :data:`MAX_ERROR_TEXT`, inputs dropped; the
    rest are counted in a last item.
    """
    bounded = []
    for item in items[:MAX_ERRORS]:
        if not isinstance(item, dict):
            continue
        kept = {}
        if "type" in item:
            kept["type"] = bounded_text(item["type"])
        if "loc" in item:
            kept["loc"] = [
                part if isinstance(part, int) else bounded_text(part)
                for part in item["loc"][:MAX_ERRORS]
            ]
        if "msg" in item:
            kept["msg"] = bounded_text(item["msg"])
        bounded.append(kept)
    if len(items) > MAX_ERRORS:
        bounded.append(
            {
                "type": "too_many_errors",
                "loc": ["body"],
                "msg": f"And {len(items) - MAX_ERRORS} more errors.",
            }
        )
    return bounded


class BadBody(Exception):
    """A request body the comments endpoints cannot read, and the answer."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


def check_body_size(request) -> None:
    """Refuse a body longer than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413).

    Django applies the limit only when ``request.body`` is read; DRF reads
    the stream and would parse any size.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        raise BadBody(
            413, REQUEST_TOO_LARGE, f"The request body is over {limit} bytes."
        )


def parse_json(text: str | bytes):
    """Parse a comment's JSON body; :class:`BadBody` (400) if it is not JSON.

    Deep nesting (Python's RecursionError) and text no database can store
    (lone surrogates, from ``\\ud800`` escapes) are malformed too.
    """
    try:
        data = json.loads(text)
        json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, RecursionError, UnicodeError) as err:
        raise BadBody(400, INVALID_JSON, "The request body is not valid JSON.") from err
    return data


def listing_links(request, *, offset: int, limit: int, count: int):
    """``(next, previous)``: absolute URLs of the neighbouring pages, or ``None``.

    Built once per response, from the request's own query string with only
    ``offset`` changed, so filters and ``limit`` carry over.
    """
    params = [(key, value) for key, value in request.GET.items() if key != "offset"]
    base = get_full_url(request, request.path)

    def at(start):
        query = urlencode([*params, ("offset", start)] if start else params)
        return f"{base}?{query}" if query else base

    following = at(offset + limit) if offset + limit < count else None
    previous = at(max(0, min(offset, count) - limit)) if offset > 0 else None
    return following, previous


#: The ``parent`` filter's value for comments that answer none.
TOP_LEVEL = "none"

#: Accepted values of the ``order`` filter, and what they sort by.
ORDERINGS = {
    "posted_at": ("posted_at", "pk"),
    "-posted_at": ("-posted_at", "-pk"),
}


def public_articles(request) -> QuerySet:
    """Live articles of the request's Site, with no view restriction.

    A restriction on the page or any ancestor makes it private, whoever asks:
    the comments endpoints list no comment from it, even to users who could
    open the page itself. Ancestors are the pages whose tree path is a prefix
    of the article's, so one correlated ``NOT EXISTS`` finds a restriction on
    any of them, inside whatever query uses this one.
    """
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    articles = site_articles(request).filter(live=True)
    return articles.exclude(Exists(restricted))


def site_articles(request) -> QuerySet:
    """Articles of the request's Site (and its translations' trees), any state.

    What a post may name: a host serves, and takes comments for, its own
    articles only, as it reads them.
    """
    site = Site.find_for_request(request)
    if site is None:
        return get_article_model().objects.none()
    roots = [site.root_page]
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        roots += list(site.root_page.get_translations())
    in_site = Q()
    for root in roots:
        in_site |= Q(path__startswith=root.path)
    return get_article_model().objects.filter(in_site)


def public_comments(request, article: int | None = None) -> QuerySet:
    """Approved comments on :func:`public_articles`, oldest first.

    The articles are a subquery the database answers once per query, not once
    per comment; with ``article`` (an id), it checks that one article only.
    Each comment's ``by_article_author`` is read in the same query.
    """
    articles = public_articles(request)
    if article is not None:
        articles = articles.filter(pk=article)
    return (
        Comment.objects.filter(
            status=CommentStatus.APPROVED, page__in=articles.values("pk")
        )
        .annotate(
            reply_count=approved_reply_count(), by_article_author=by_article_author()
        )
        .select_related("page")
        .order_by(*ORDERINGS["posted_at"])
    )


def submit_api_comment(request, article_id, **fields) -> Comment:
    """Submit a comment sent to an API, on the article with ``article_id``.

    The client's address and user agent come from ``request``, and so does
    the user, who comments under their account if the API signed them in. Raises
    :class:`~wagtail_dvt.comments.admission.CommentRefused` as ``submit_comment()``
    does, and :class:`~wagtail_dvt.comments.admission.ArticleNotFound` for an id that
    is no article of the request's Site.
    """
    page = site_articles(request).filter(pk=article_id).first()
    if page is None:
        raise ArticleNotFound()
    comment = submit_comment(
        page,
        **fields,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        user=getattr(request, "user", None),
    )
    # As listings annotate them: a new comment has no reply yet.
    comment.reply_count = 0
    comment.by_article_author = is_article_author(comment)
    return comment


def report_api_comment(request, comment_id, reason=None) -> None:
    """Report the comment ``comment_id`` sent to an API, as its reader.

    Only approved comments on public articles of the request's Site can be
    reported; any other id is answered alike (see ``comments.reports``).
    Raises the refusals of :func:`~wagtail_dvt.comments.reports.submit_report`.
    """
    visible = Comment.objects.filter(
        status=CommentStatus.APPROVED,
        page__in=public_articles(request).values("pk"),
    )
    submit_report(
        visible,
        comment_id,
        reason=reason,
        user=getattr(request, "user", None),
        ip_address=client_ip(request),
    )


def refusal_headers(refusal: CommentRefused) -> dict[str, str]:
    """The headers of a refusal's answer: ``Retry-After`` after a flood."""
    if isinstance(refusal, CommentFlood):
        return {"Retry-After": str(refusal.retry_after)}
    return {}


def page_html_url(page, request) -> str | None:
    """The page's full URL, or ``None`` if it is not routable."""
    try:
        return page.get_full_url(request)
    except NoReverseMatch:
        return None


def filter_comments(
    queryset: QuerySet,
    *,
    article: int | None = None,
    parent: int | str | None = None,
    posted_after: datetime | None = None,
    posted_before: datetime | None = None,
    order: str = "posted_at",
) -> QuerySet:
    """Apply the comments endpoints' filters, already validated.

    ``posted_after`` is inclusive and ``posted_before`` exclusive, so that
    consecutive ranges neither overlap nor leave gaps. ``parent`` is a
    comment id (its replies) or :data:`TOP_LEVEL` (comments that answer none).
    """
    if article is not None:
        queryset = queryset.filter(page_id=article)
    if parent == TOP_LEVEL:
        queryset = queryset.filter(parent__isnull=True)
    elif parent is not None:
        queryset = queryset.filter(parent_id=parent)
    if posted_after is not None:
        queryset = queryset.filter(posted_at__gte=posted_after)
    if posted_before is not None:
        queryset = queryset.filter(posted_at__lt=posted_before)
    return queryset.order_by(*ORDERINGS[order])


def approved_reply_count():
    """An expression counting a comment's approved replies, per row.

    A correlated subquery, so a listing counts its page's replies inside its
    one query.
    """
    replies = (
        Comment.objects.filter(parent=OuterRef("pk"), status=CommentStatus.APPROVED)
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(replies), 0)


def parse_parent(value) -> int | str | None:
    """The ``parent`` filter: a comment id or :data:`TOP_LEVEL`; ``ValueError``."""
    if value is None:
        return None
    if value == TOP_LEVEL:
        return TOP_LEVEL
    parent = parse_id(value)
    if parent is None:
        raise ValueError(f"parent must be a comment id or {TOP_LEVEL!r}")
    return parent


def parse_id(value) -> int | None:
    """``value`` (an int or a string of ASCII digits) as an id; ``None`` if not one."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        # Python refuses to read very long numbers; none of them is an id.
        if len(value.lstrip("0")) > len(str(MAX_ID)):
            return None
        value = int(value)
    if type(value) is int and 1 <= value <= MAX_ID:
        return value
    return None


def as_moment(value: date | datetime) -> datetime:
    """A filter bound as an aware UTC datetime; a date means its first instant.

    Naive values are read in the site's ``TIME_ZONE``. Bounds that fall outside
    what a datetime holds once in UTC become its first or last instant.
    """
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        extreme = datetime.max if value.year == MAXYEAR else datetime.min
        return extreme.replace(tzinfo=UTC)


def parse_moment(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time for a filter; ``ValueError`` if invalid."""
    parsed = parse_datetime(text) or parse_date(text)
    if parsed is None:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time")
    return as_moment(parsed)
