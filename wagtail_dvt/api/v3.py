"""The comments router for Wagtail 8's API v3 (Django Ninja).

A site adds it to Wagtail's shared v3 API before mounting that API's URLs::

    from wagtail.api.v3.urls import api
    from wagtail_dvt.api.v3 import router as comments_router

    api.add_router("/comments/", comments_router)

Import this module on Wagtail 8+ only; older versions have no v3 API.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.renderers import JSONRenderer
from pydantic import ConfigDict, Field
from wagtail.api.utils import get_full_url
from wagtail.api.v3.auth import AllowAnonymous, BearerTokenAuth
from wagtail.api.v3.errors import ProblemDetail, problem_response
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination

from ..comments.admission import (
    CommentRefused,
    InvalidComment,
)
from ..models import ArticlePage, Comment, CommentStatus
from . import listing
from .common import (
    MAX_ID,
    RECEIVED_MESSAGE,
    as_moment,
    page_html_url,
    public_comments,
    refusal_headers,
    submit_api_comment,
)

router = Router(tags=["comments"])

# Public reads and anonymous posts: a bearer token is accepted but changes
# nothing, and a session cookie is ignored (so no CSRF exposure either).
PUBLIC = [BearerTokenAuth(), AllowAnonymous()]
# 415: not JSON; the others: submit_comment's refusals.
REFUSALS = (400, 403, 404, 409, 415, 429)
DETAIL_URL_NAME = "wagtailapi_v3:wagtail_dvt_detail_comment"

ArticleId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _absolute(request, url_name, **kwargs):
    try:
        return get_full_url(request, reverse(url_name, kwargs=kwargs))
    except NoReverseMatch:
        return None


class ReaderCommentArticleMetaSchema(Schema):
    type: Literal["wagtail_dvt.ArticlePage"]
    detail_url: str | None
    html_url: str | None


class ReaderCommentArticleSchema(Schema):
    """The article a comment is on."""

    id: int
    meta: ReaderCommentArticleMetaSchema
    title: str

    @staticmethod
    def resolve_meta(page: ArticlePage, context: dict) -> dict:
        request = context["request"]
        return {
            "type": ArticlePage._meta.label,
            "detail_url": _absolute(
                request, "wagtailapi_v3:detail_page", page_id=page.pk
            ),
            "html_url": page_html_url(page, request),
        }


class ReaderCommentMetaSchema(Schema):
    type: Literal["wagtail_dvt.Comment"]
    detail_url: str | None
    html_url: str | None


class ReaderCommentSchema(Schema):
    """An approved reader comment: public fields only."""

    id: int
    meta: ReaderCommentMetaSchema
    article: ReaderCommentArticleSchema
    author_name: str
    body: str
    #: ``body`` as the article page shows it: escaped HTML, links marked.
    body_html: str
    posted_at: datetime

    @staticmethod
    def resolve_body_html(comment: Comment) -> str:
        return str(comment.body_html())

    @staticmethod
    def resolve_meta(comment: Comment, context: dict) -> dict:
        request = context["request"]
        page_url = page_html_url(comment.page, request)
        return {
            "type": Comment._meta.label,
            "detail_url": _absolute(request, DETAIL_URL_NAME, comment_id=comment.pk),
            "html_url": f"{page_url}#comment-{comment.pk}" if page_url else None,
        }

    @staticmethod
    def resolve_article(comment: Comment) -> ArticlePage:
        return comment.page


class ReaderCommentFilterSchema(Schema):
    article: ArticleId | None = None
    #: At or after this time; a date means its first instant (``TIME_ZONE``).
    posted_after: datetime | date | None = None
    #: Before this time; a date means its first instant (``TIME_ZONE``).
    posted_before: datetime | date | None = None
    order: Literal["posted_at", "-posted_at"] = "posted_at"


class ReaderCommentCreateSchema(Schema):
    """A reader's comment. ``email`` is optional and never shown."""

    model_config = ConfigDict(extra="forbid")

    article: ArticleId
    author_name: str
    body: str
    email: str = ""


class CommentsPagination(WagtailLimitOffsetPagination):
    """Wagtail's pagination, with offsets the database can take."""

    class Input(WagtailLimitOffsetPagination.Input):
        offset: int = Field(default=0, ge=0, le=MAX_ID)


class ReaderCommentReceivedSchema(Schema):
    message: str


# What Ninja's @paginate declares for list[ReaderCommentSchema] (same name,
# fields and parameters): the listing builds its page itself, unvalidated.
class PagedReaderCommentSchema(Schema):
    items: list[ReaderCommentSchema]
    count: int


@router.get(
    "/",
    response=PagedReaderCommentSchema,
    url_name="wagtail_dvt_list_comments",
    summary="List comments",
    operation_id="wagtail_dvt_comments_list",
    auth=PUBLIC,
)
def list_comments(
    request: HttpRequest,
    filters: ReaderCommentFilterSchema = Query(...),  # noqa: B008
    pagination: CommentsPagination.Input = Query(...),  # noqa: B008
):
    """Approved comments on live, public articles; oldest first by default."""
    limit_max = getattr(settings, "WAGTAILAPI_LIMIT_MAX", 20)
    if limit_max is not None and pagination.limit > limit_max:
        raise HttpError(400, f"limit cannot be higher than {limit_max}")
    page = listing.comments_page(
        request,
        offset=pagination.offset,
        limit=pagination.limit,
        article=filters.article,
        posted_after=filters.posted_after and as_moment(filters.posted_after),
        posted_before=filters.posted_before and as_moment(filters.posted_before),
        order=filters.order,
    )
    summaries = listing.ArticleSummaries(
        request,
        listing.url_maker(
            _absolute(request, "wagtailapi_v3:detail_page", page_id=987654321),
            "987654321",
        ),
    )
    comment_url = listing.url_maker(
        _absolute(request, DETAIL_URL_NAME, comment_id=987654321), "987654321"
    )
    # Built from value rows, not validated item by item: the schema above
    # documents the shape, which tests check against the detail's.
    items = listing.items(page, summaries, comment_url, zone=None)
    renderer = JSONRenderer()
    return HttpResponse(
        renderer.render(
            request, {"items": items, "count": page.total_count}, response_status=200
        ),
        content_type=f"{renderer.media_type}; charset={renderer.charset}",
    )


@router.get(
    "/{comment_id}/",
    response=ReaderCommentSchema,
    url_name="wagtail_dvt_detail_comment",
    summary="Comment detail",
    operation_id="wagtail_dvt_comments_detail",
    auth=PUBLIC,
)
def get_comment(request: HttpRequest, comment_id: int):
    """One approved comment on a live, public article."""
    return get_object_or_404(public_comments(request), pk=comment_id)


@router.post(
    "/",
    response={
        201: ReaderCommentSchema,
        202: ReaderCommentReceivedSchema,
        **dict.fromkeys(REFUSALS, ProblemDetail),
    },
    url_name="wagtail_dvt_create_comment",
    summary="Submit a comment",
    operation_id="wagtail_dvt_comments_create",
    auth=PUBLIC,
)
def create_comment(
    request: HttpRequest, response: HttpResponse, data: ReaderCommentCreateSchema
):
    """Submit a reader's comment, under the same rules as the page's form.

    201 with the comment when it is published at once; 202 when it awaits
    moderation (also for spam, so a spammer learns nothing); 400, 403, 404,
    409 or 429 (with ``Retry-After``) when it is refused.
    """
    if request.content_type != "application/json":
        # Ninja reads any body as JSON; a cross-site text/plain form must not.
        return problem_response(status=415, detail="Send the comment as JSON.")
    try:
        comment = submit_api_comment(
            request,
            data.article,
            author_name=data.author_name,
            body=data.body,
            email=data.email,
        )
    except CommentRefused as refusal:
        return _refusal_response(refusal)
    if comment.status != CommentStatus.APPROVED:
        return Status(202, {"message": RECEIVED_MESSAGE})
    location = _absolute(request, DETAIL_URL_NAME, comment_id=comment.pk)
    if location:
        response["Location"] = location
    return Status(201, comment)


def _refusal_response(refusal: CommentRefused):
    errors = None
    if isinstance(refusal, InvalidComment):
        errors = [
            {"loc": ["body", "data", field], "msg": message}
            for field, messages in refusal.errors.items()
            for message in messages
        ]
    response = problem_response(
        status=refusal.status_code, detail=refusal.message, errors=errors
    )
    for name, value in refusal_headers(refusal).items():
        response[name] = value
    return response


__all__ = ["ReaderCommentSchema", "router"]
