"""The comments listing of API v2 and v3, built for less than a serializer costs.

Both versions list the same rows: approved comments on live articles of the
request's Site with no view restriction on them or any ancestor. Here one
query answers all of it, visibility included, and reads the rows as values
with what the article summary needs; a second query counts them only when
they fill more than one page. Each article's summary and every URL prefix
are built once per response, not once per comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Comment, CommentStatus, comment_body_html, get_article_model
from .common import filter_comments, page_html_url, public_articles

#: The columns a listing reads: the comment's public fields and its article's.
ROW_FIELDS = (
    "pk",
    "author_name",
    "body",
    "posted_at",
    "page_id",
    "page__title",
    "page__url_path",
)


def visible_comments(request, article: int | None = None) -> QuerySet:
    """Approved comments on :func:`.common.public_articles`; on ``article`` if given.

    The articles are a subquery the database answers once per query, not once
    per comment; with ``article``, it checks that one article only.
    """
    articles = public_articles(request)
    if article is not None:
        articles = articles.filter(pk=article)
    return Comment.objects.filter(
        status=CommentStatus.APPROVED, page_id__in=articles.values("pk")
    )


@dataclass(frozen=True)
class CommentsPage:
    """One page of a listing: its rows, and how many comments match in all."""

    rows: list[dict]
    total_count: int
    offset: int
    limit: int


def comments_page(request, *, offset: int, limit: int, **filters) -> CommentsPage:
    """The rows of one page of the listing, filtered (see ``filter_comments``).

    One query reads the page's rows, stopping at ``limit``. When they leave
    the total unknown (a full page, or one past the start), a second query
    counts on the index: far cheaper than reading every matching row, as a
    window count over the rows would.
    """
    queryset = filter_comments(
        visible_comments(request, filters.get("article")), **filters
    )
    rows = list(queryset.values(*ROW_FIELDS)[offset : offset + limit])
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = queryset.count()
    return CommentsPage(rows, total, offset, limit)


class ArticleSummaries:
    """The ``article`` of each comment, built once per article of a response.

    ``detail_url`` is called with an article id and returns its API URL.
    """

    def __init__(self, request, detail_url):
        self.request = request
        self.detail_url = detail_url
        self.article_model = get_article_model()
        self.summaries = {}
        self.html_urls = {}

    def get(self, row) -> dict:
        page_id = row["page_id"]
        summary = self.summaries.get(page_id)
        if summary is None:
            # Enough of the page to route it, as Page.get_full_url() does.
            page = self.article_model(id=page_id, url_path=row["page__url_path"])
            html_url = page_html_url(page, self.request)
            self.html_urls[page_id] = html_url
            summary = self.summaries[page_id] = {
                "id": page_id,
                "meta": {
                    "type": self.article_model._meta.label,
                    "detail_url": self.detail_url(page_id),
                    "html_url": html_url,
                },
                "title": row["page__title"],
            }
        return summary

    def comment_html_url(self, row) -> str | None:
        page_url = self.html_urls[row["page_id"]]
        return f"{page_url}#comment-{row['pk']}" if page_url else None


def url_maker(url: str | None, sentinel: str):
    """A function of an id: ``url`` (made for ``sentinel``) for that id.

    Reversing one URL and formatting it for each id costs far less than
    reversing each.
    """
    if url is None:
        return lambda pk: None
    head, _sep, tail = url.rpartition(sentinel)
    return lambda pk: f"{head}{pk}{tail}"


def items(page: CommentsPage, summaries: ArticleSummaries, comment_detail_url, zone):
    """The listing's items, in the shape both API versions give a comment.

    ``zone`` is the time zone ``posted_at`` is shown in: v2's DRF field gives
    the current one; v3's schema, the database's UTC (``None`` keeps it).
    """
    label = Comment._meta.label
    result = []
    for row in page.rows:
        posted_at = row["posted_at"]
        if zone is not None:
            posted_at = posted_at.astimezone(zone)
        article = summaries.get(row)
        result.append(
            {
                "id": row["pk"],
                "meta": {
                    "type": label,
                    "detail_url": comment_detail_url(row["pk"]),
                    "html_url": summaries.comment_html_url(row),
                },
                "article": article,
                "author_name": row["author_name"],
                "body": row["body"],
                "body_html": str(comment_body_html(row["body"])),
                "posted_at": posted_at,
            }
        )
    return result


def drf_datetime(value) -> str:
    """``value`` as DRF's ``DateTimeField`` writes it (ISO 8601, ``Z`` for UTC)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def current_zone():
    return timezone.get_current_timezone()


def page_links(request, page: CommentsPage, full_url) -> tuple[str | None, str | None]:
    """Absolute URLs of the next and previous pages, or ``None`` at either end.

    ``full_url(request, path)`` makes a path absolute, as the API's other
    links are.
    """
    base = full_url(request, request.path)
    params = request.GET.copy()

    def link(offset):
        params["offset"] = str(offset)
        params["limit"] = str(page.limit)
        return f"{base}?{urlencode(sorted(params.lists()), doseq=True)}"

    following = page.offset + page.limit
    next_url = link(following) if following < page.total_count else None
    previous_url = link(max(page.offset - page.limit, 0)) if page.offset else None
    return next_url, previous_url
