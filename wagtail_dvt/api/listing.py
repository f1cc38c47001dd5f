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

from ..api_fields import comment_representation
from ..models import Comment, get_article_model
from .common import filter_comments, page_html_url, public_comments

#: The columns a listing reads: the comment's public fields and its article's.
ROW_FIELDS = (
    "pk",
    "author_name",
    "body",
    "posted_at",
    "page_id",
    "page__title",
    "page__url_path",
    "parent_id",
    "reply_count",
    "by_article_author",
)


@dataclass(frozen=True)
class CommentsPage:
    """One page of a listing: its rows, and how many comments match in all."""

    rows: list[dict]
    total_count: int


def comments_page(request, *, offset: int, limit: int, **filters) -> CommentsPage:
    """The rows of one page of the listing, filtered (see ``filter_comments``).

    One query reads the page's rows, stopping at ``limit``. When they leave
    the total unknown (a full page, or one past the start), a second query
    counts on the index: far cheaper than reading every matching row, as a
    window count over the rows would.
    """
    queryset = filter_comments(
        public_comments(request, article=filters.get("article")), **filters
    )
    rows = list(queryset.values(*ROW_FIELDS)[offset : offset + limit])
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = queryset.count()
    return CommentsPage(rows, total)


class ArticleSummaries:
    """The ``article`` of each comment, built once per article of a response.

    ``detail_url`` is called with an article id and returns its API URL.
    """

    def __init__(self, request, detail_url):
        self.request = request
        self.detail_url = detail_url
        self.article_model = get_article_model()
        self.summaries = {}

    def get(self, row) -> dict:
        page_id = row["page_id"]
        summary = self.summaries.get(page_id)
        if summary is None:
            # Enough of the page to route it, as Page.get_full_url() does.
            page = self.article_model(id=page_id, url_path=row["page__url_path"])
            html_url = page_html_url(page, self.request)
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
        page_url = self.get(row)["meta"]["html_url"]
        return f"{page_url}#comment-{row['pk']}" if page_url else None


_SENTINEL_ID = 987654321


def url_maker(url_for):
    """A function of an id giving ``url_for(id)``, for ``url_for`` called once.

    ``url_for`` reverses a detail URL (or returns ``None``). Reversing one URL
    and formatting it for each id costs far less than reversing each.
    """
    url = url_for(_SENTINEL_ID)
    if url is None:
        return lambda pk: None
    head, _sep, tail = url.rpartition(str(_SENTINEL_ID))
    return lambda pk: f"{head}{pk}{tail}"


def items(request, page: CommentsPage, *, article_url, comment_url, zone):
    """The listing's items, in the shape both API versions give a comment.

    ``article_url`` and ``comment_url`` reverse an article's and a comment's
    API detail URL from an id (see :func:`url_maker`). ``zone`` is the time
    zone ``posted_at`` is shown in: v2's DRF field gives the current one;
    v3's schema, the database's UTC (``None`` keeps it).
    """
    summaries = ArticleSummaries(request, url_maker(article_url))
    comment_detail_url = url_maker(comment_url)
    label = Comment._meta.label
    return [
        {
            "id": row["pk"],
            "meta": {
                "type": label,
                "detail_url": comment_detail_url(row["pk"]),
                "html_url": summaries.comment_html_url(row),
            },
            "article": summaries.get(row),
        }
        | comment_representation(row, zone)
        for row in page.rows
    ]


def drf_datetime(value) -> str:
    """``value`` as DRF's ``DateTimeField`` writes it (ISO 8601, ``Z`` for UTC)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
