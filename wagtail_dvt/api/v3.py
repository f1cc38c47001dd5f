"""The comments router for Wagtail 8's API v3 (Django Ninja).

A site adds it to Wagtail's shared v3 API before mounting that API's URLs::

    from wagtail.api.v3.urls import api
    from wagtail_dvt.api.v3 import router as comments_router

    api.add_router("/comments/", comments_router)

Import this module on Wagtail 8+ only; older versions have no v3 API.
"""

import json
from datetime import date, datetime
from functools import wraps
from typing import Annotated, Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.renderers import JSONRenderer
from pydantic import ConfigDict, Field, StrictBool, field_validator
from wagtail.api.utils import get_full_url
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.api.v3.errors import PROBLEM_JSON, problem_response

from ..api_fields import V3_PAGE_DETAIL, api_time
from ..comments.admission import CommentRefused, InvalidComment
from ..comments.reports import ReportReason
from ..conditional import api_headers, fresh, listing_validators, not_modified
from ..conf import get_setting
from ..models import (
    ArticlePageMixin,
    Comment,
    CommentStatus,
    comment_body_html,
    get_article_model,
)
from . import listing
from .codes import ERROR_CODES
from .common import (
    CODES_BY_STATUS,
    COMMENT_NOT_FOUND,
    DEFAULT_LIMIT,
    INVALID_REQUEST,
    MAX_ID,
    MAX_LIMIT,
    RECEIVED_MESSAGE,
    REPORT_RECEIVED_MESSAGE,
    UNSUPPORTED_MEDIA_TYPE,
    BadBody,
    as_moment,
    bounded_error_items,
    check_body_size,
    listing_links,
    page_html_url,
    parse_json,
    public_comments,
    refusal_headers,
    report_api_comment,
    submit_api_comment,
)
from .tokens import (
    AuthenticationRequired,
    api_comments_mode,
    check_api_post,
    issue_api_token,
)

router = Router(tags=["comments"])


def anonymous(request):
    """The fallback of :data:`PUBLIC`: any caller, as an anonymous user.

    Like Wagtail's ``AllowAnonymous``, it ignores a session cookie; unlike
    it, it is a plain callable, not a security scheme, so the schema says
    "no auth required" the OpenAPI way (an empty requirement, ``{}``)
    instead of naming core's invalid ``{"type": "http"}`` scheme.
    """
    request.user = AnonymousUser()
    return request.user


# Anonymous posts: a bearer token is accepted (it signs in for
# API_COMMENTS = "authenticated"), and a session cookie is ignored (so no CSRF
# exposure either).
PUBLIC = [BearerTokenAuth(), anonymous]
# Public reads: no authentication at all, so the schema says ``security: []``.
READ = [anonymous]
DETAIL_URL_NAME = "wagtailapi_v3:wagtail_dvt_detail_comment"

ArticleId = Annotated[int, Field(ge=1, le=MAX_ID)]
CommentId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _absolute(request, url_name, **kwargs):
    try:
        return get_full_url(request, reverse(url_name, kwargs=kwargs))
    except NoReverseMatch:
        return None


class ReaderCommentArticleMetaSchema(Schema):
    # The site's article model (imported with the URLconf, once models load).
    type: Literal[get_article_model()._meta.label]
    detail_url: str | None
    html_url: str | None


class ReaderCommentArticleSchema(Schema):
    """The article a comment is on."""

    id: int
    meta: ReaderCommentArticleMetaSchema
    title: str

    @staticmethod
    def resolve_meta(page: ArticlePageMixin, context: dict) -> dict:
        request = context["request"]
        return {
            "type": page._meta.label,
            "detail_url": _absolute(request, V3_PAGE_DETAIL, page_id=page.pk),
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
    #: ``body`` as the article's page renders it: escaped, with ``<br>`` and
    #: ``rel="nofollow ugc noopener"`` links.
    body_html: str
    #: To the second, in UTC.
    posted_at: datetime
    #: The id of the comment it replies to; ``null`` for a top-level comment.
    parent: int | None
    #: How many approved replies it has.
    reply_count: int
    #: Whether the article's owner wrote it, signed in (the page's "Author" badge).
    by_article_author: bool

    @staticmethod
    def resolve_by_article_author(comment: Comment) -> bool:
        # Listings and details annotate it; a new comment has it set.
        return bool(getattr(comment, "by_article_author", False))

    @staticmethod
    def resolve_parent(comment: Comment) -> int | None:
        return comment.parent_id

    @staticmethod
    def resolve_reply_count(comment: Comment) -> int:
        # Listings and details annotate it; a comment just posted has none.
        return getattr(comment, "reply_count", 0)

    @staticmethod
    def resolve_body_html(comment: Comment) -> str:
        return str(comment_body_html(comment.body))

    @staticmethod
    def resolve_posted_at(comment: Comment) -> datetime:
        return api_time(comment.posted_at)

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
    def resolve_article(comment: Comment) -> ArticlePageMixin:
        return comment.page


class ReaderCommentFilterSchema(Schema):
    article: ArticleId | None = None
    #: Replies to this comment id, or ``none``: comments that reply to none.
    parent: ArticleId | Literal["none"] | None = None  # any id: a query string
    #: At or after this time; a date means its first instant (``TIME_ZONE``).
    posted_after: datetime | date | None = None
    #: Before this time; a date means its first instant (``TIME_ZONE``).
    posted_before: datetime | date | None = None
    order: Literal["posted_at", "-posted_at"] = "posted_at"

    @field_validator("posted_after", "posted_before", mode="before")
    @classmethod
    def _iso_8601_only(cls, value):
        # Pydantic reads a bare number as a Unix timestamp; the schema (and
        # v2) take ISO 8601 dates and times only.
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return value
            raise ValueError("use an ISO 8601 date, or date and time")
        return value


#: Characters a name may not hold: NUL, and the line breaks the comment rules
#: refuse (``wagtail_dvt.comments.text.LINE_BREAK``), as a JSON Schema class.
_NOT_IN_A_NAME = r"\x00\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029"


def _text(setting: str, *, one_line: bool = False) -> Any:
    """A reader's text field: what the comment rules accept, in the schema.

    Only documented here (``maxLength`` from the setting when this module
    is imported, at least one non-space character, no NUL, and for a name
    no line break): the comment rules enforce them on each post, with the
    current settings, as a 400 ``invalid_comment`` like the page's form.
    """
    refused = _NOT_IN_A_NAME if one_line else r"\x00"
    return Field(
        json_schema_extra={
            "minLength": 1,
            "maxLength": get_setting(setting),
            "pattern": rf"^[^{refused}]*\S[^{refused}]*$",
        }
    )


def _declare_posting_mode(schema: dict) -> None:
    """Declare ``token`` as the site's posting mode needs it, when the
    document is made: required with ``API_COMMENTS = "token"``, absent
    otherwise. A missing token is still answered as the form answers it
    (400 ``token_missing``), not as a schema error. ``honeypot`` is checked
    in every mode, so it is always declared (empty)."""
    if api_comments_mode() == "token":
        required = schema.setdefault("required", [])
        if "token" not in required:
            required.append("token")
    else:
        schema["properties"].pop("token", None)
    # Reply notifications need an address: declared, and answered, when it
    # is missing, as a 400 ``notify_replies_needs_email``.
    schema["if"] = {
        "properties": {"notify_replies": {"const": True}},
        "required": ["notify_replies"],
    }
    schema["then"] = {
        "properties": {"email": {"type": "string", "format": "email"}},
        "required": ["email"],
    }


class ReaderCommentCreateSchema(Schema):
    """A reader's comment. ``email`` is optional and never shown."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_declare_posting_mode)

    article: ArticleId
    #: The id of the comment replied to: approved, on the same article.
    parent: CommentId | None = None

    @field_validator("parent", mode="before")
    @classmethod
    def _no_boolean_id(cls, value):
        # Pydantic reads ``true`` as 1; no comment is meant by it.
        if isinstance(value, bool):
            raise ValueError("use a comment id")
        return value

    author_name: str = _text("COMMENT_NAME_MAX_LENGTH", one_line=True)
    body: str = _text("COMMENT_BODY_MAX_LENGTH")
    email: Annotated[str, Field(json_schema_extra={"format": "email"})] | None = None
    notify_replies: StrictBool = Field(
        default=False,
        description="Email the author when someone replies; needs `email`.",
    )
    token: str = Field(
        default="",
        description="The token from GET /comments/token/?article=.",
    )
    # Documented as empty, not validated as such: a filled one is answered
    # as the form answers it (400 ``honeypot``), not as a schema error.
    honeypot: str = Field(
        default="",
        description="Leave empty: only spam bots fill it in.",
        json_schema_extra={"maxLength": 0},
    )


class CommentsPageInput(Schema):
    """``limit`` (default 20, at most 100) and ``offset``.

    Not Wagtail's pagination, which answers a 400 above
    ``WAGTAILAPI_LIMIT_MAX`` (20 by default) though its schema has no maximum.
    """

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_ID)


class ReaderCommentReceivedSchema(Schema):
    message: str


class ReaderCommentProblemItem(Schema):
    """One error of a problem: where (``loc``), what (``msg``) and its kind."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ReaderCommentProblem(Schema):
    """The RFC 9457 problem details of every error of the comments operations,
    with a stable ``code`` (see docs/api.md)."""

    type: str
    title: str
    status: int
    detail: str = ""
    code: Literal[tuple(ERROR_CODES)]  # type: ignore[valid-type]
    errors: list[ReaderCommentProblemItem] | None = None


#: Where the operations' error answers point: one shared component, which
#: :func:`publish_components` adds to the document.
PROBLEM_REF = {"$ref": f"#/components/schemas/{ReaderCommentProblem.__name__}"}
ERROR_DESCRIPTIONS = {
    400: "Not valid JSON (`invalid_json`), refused by the comment rules "
    "(`invalid_comment`, `name_reserved`), without a valid token (`token_missing`, "
    "`token_invalid`, `token_expired`, `token_used`, `too_fast`, `honeypot`), "
    "or a report's unknown `reason` (`invalid_report_reason`).",
    401: '`API_COMMENTS` is `"authenticated"`, or `COMMENTS_REQUIRE_LOGIN` is on, '
    "and no bearer token was sent (`authentication_required`).",
    403: "Comments are closed, the article is private (`comments_closed`), or "
    "API comments are off (`api_comments_off`).",
    404: "Not found (`comment_not_found`, `article_not_found`, or a `parent` "
    "that readers cannot see: `parent_not_found`).",
    409: "Already posted (`comment_duplicate`), or a `parent` that cannot be "
    "answered (`parent_other_article`, `reply_too_deep`).",
    413: "The body is over `DATA_UPLOAD_MAX_MEMORY_SIZE` (`request_too_large`).",
    415: "The body is not sent as `application/json` (`unsupported_media_type`).",
    422: "A parameter or the body does not match this schema (`invalid_request`).",
    429: "Posting or reporting too quickly (`comment_flood`); see `Retry-After`.",
}
HEADERS = {
    201: {
        "Location": {
            "description": "The new comment in this API.",
            "required": True,
            "schema": {"type": "string", "format": "uri"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before posting again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def _openapi(*errors: int, created: bool = False, posted: bool = False) -> dict:
    """What ninja cannot say itself: errors in ``application/problem+json``,
    headers, and which authentication is needed. A read needs none
    (``security: []``); a post (``created``, or ``posted`` for one that
    creates nothing readers see) may carry a bearer token or nothing (``{}``)."""
    responses: dict[int, dict] = {
        status: {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
        }
        for status in errors
    }
    for status, headers in HEADERS.items():
        if status in errors or (created and status == 201):
            responses.setdefault(status, {})["headers"] = headers
    return {"security": [{}] if created or posted else [], "responses": responses}


def _problem(status: int, detail: str, code: str, errors=None) -> HttpResponse:
    """A problem-details answer with its ``code``."""
    response = problem_response(status=status, detail=detail, errors=errors)
    return _with_code(response, code)


def _with_code(response: HttpResponse, code: str | None = None) -> HttpResponse:
    """Give a problem-details answer a ``code``, by status unless given one."""
    data = json.loads(response.content)
    changed = False
    if isinstance(data.get("errors"), list):
        # Small whatever was sent: one error per unknown key could be megabytes.
        data["errors"] = bounded_error_items(data["errors"])
        changed = True
    if "code" not in data:
        data["code"] = code or CODES_BY_STATUS.get(response.status_code, "error")
        changed = True
    if changed:
        response.content = json.dumps(data)
    return response


def with_codes(run):
    """Wrap an operation so that every error it answers carries a ``code``.

    Validation errors (422) and 404s come from Wagtail's v3 error handlers,
    which know no codes.
    """

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if response.status_code >= 400 and response.get("Content-Type") == PROBLEM_JSON:
            response = _with_code(response)
        return response

    return wrapper


def known_query(*schemas):
    """Refuse query parameters the operation does not have, as v2 does.

    Ninja ignores them, so ``?artcle=4`` (a typo) would list every comment.
    Answered as a parameter that does not validate: 422 ``invalid_request``.
    """
    known = frozenset().union(*(schema.model_fields for schema in schemas))

    def decorator(run):
        @wraps(run)
        def wrapper(request, *args, **kwargs):
            unknown = sorted(set(request.GET) - known)
            if unknown:
                errors = [
                    {
                        "loc": ["query", name[:100]],
                        "msg": "Unknown query parameter.",
                        "type": "unknown_parameter",
                    }
                    for name in unknown[:10]
                ]
                return _problem(
                    422, "Unknown query parameters.", INVALID_REQUEST, errors
                )
            return run(request, *args, **kwargs)

        return wrapper

    return decorator


def json_body(run):
    """Refuse bodies that are not JSON, too large or malformed, before ninja.

    Ninja reads any body as JSON whatever its content type (a cross-site
    ``text/plain`` form must not pass), and lets Django's size limit and
    Python's recursion limit escape as server errors.
    """

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        try:
            if request.content_type != "application/json":
                raise BadBody(415, UNSUPPORTED_MEDIA_TYPE, "Send the comment as JSON.")
            check_body_size(request)
            parse_json(request.body)
        except BadBody as err:
            return _problem(err.status, err.message, err.code)
        return run(request, *args, **kwargs)

    return wrapper


class PagedReaderCommentSchema(Schema):
    """A page of comments; ``next`` and ``previous`` are ``null`` at the ends."""

    count: int
    next: str | None
    previous: str | None
    items: list[ReaderCommentSchema]


@router.get(
    "/",
    response=PagedReaderCommentSchema,
    url_name="wagtail_dvt_list_comments",
    summary="List comments",
    operation_id="wagtail_dvt_comments_list",
    auth=READ,
    openapi_extra=_openapi(422),
)
@decorate_view(with_codes, known_query(ReaderCommentFilterSchema, CommentsPageInput))
def list_comments(
    request: HttpRequest,
    filters: ReaderCommentFilterSchema = Query(...),  # noqa: B008
    pagination: CommentsPageInput = Query(...),  # noqa: B008
):
    """Approved comments on live, public articles; oldest first by default.

    ``next`` and ``previous`` link to the neighbouring pages.
    """
    offset, limit = pagination.offset, pagination.limit
    validators, tags = listing_validators(request, filters.article)
    if fresh(request, validators):
        return not_modified(validators, tags=tags)
    page = listing.comments_page(
        request,
        offset=offset,
        limit=limit,
        article=filters.article,
        parent=filters.parent,
        posted_after=filters.posted_after and as_moment(filters.posted_after),
        posted_before=filters.posted_before and as_moment(filters.posted_before),
        order=filters.order,
    )
    # Built from value rows, not validated item by item: the schema above
    # documents the shape, which tests check against the detail's.
    items = listing.items(
        request,
        page,
        article_url=lambda pk: _absolute(request, V3_PAGE_DETAIL, page_id=pk),
        comment_url=lambda pk: _absolute(request, DETAIL_URL_NAME, comment_id=pk),
        zone=None,
    )
    following, previous = listing_links(
        request, offset=offset, limit=limit, count=page.total_count
    )
    body = {
        "count": page.total_count,
        "next": following,
        "previous": previous,
        "items": items,
    }
    renderer = JSONRenderer()
    response = HttpResponse(
        renderer.render(request, body, response_status=200),
        content_type=f"{renderer.media_type}; charset={renderer.charset}",
    )
    return api_headers(response, validators, tags=tags)


# Before the detail route, whose "{comment_id}" would match "token".
class CommentTokenFilterSchema(Schema):
    article: ArticleId


class CommentTokenSchema(Schema):
    """A token to send back, as ``token``, with a comment on ``article``."""

    article: int
    token: str
    #: Seconds to wait before posting with it; earlier posts get ``too_fast``.
    min_age: int
    #: Seconds it stays valid; later posts get ``token_expired``.
    max_age: int


@router.get(
    "/token/",
    response=CommentTokenSchema,
    url_name="wagtail_dvt_comment_token",
    summary="Get a comment token",
    operation_id="wagtail_dvt_comments_token",
    auth=READ,
    openapi_extra=_openapi(403, 404, 422),
)
@decorate_view(with_codes, known_query(CommentTokenFilterSchema))
def get_comment_token(
    request: HttpRequest,
    response: HttpResponse,
    filters: CommentTokenFilterSchema = Query(...),  # noqa: B008
):
    """A signed token for posting a comment on a live, public article.

    Valid from ``min_age`` to ``max_age`` seconds after it is made; never
    cached. 403 when comments are closed, 404 for no such public article.
    """
    try:
        data = issue_api_token(request, filters.article)
    except CommentRefused as refusal:
        return _refusal_response(refusal)
    response["Cache-Control"] = "no-store"
    return data


@router.get(
    "/{comment_id}/",
    response=ReaderCommentSchema,
    url_name="wagtail_dvt_detail_comment",
    summary="Comment detail",
    operation_id="wagtail_dvt_comments_detail",
    auth=READ,
    openapi_extra=_openapi(404, 422),
)
@decorate_view(with_codes, known_query())
def get_comment(request: HttpRequest, comment_id: int):
    """One approved comment on a live, public article; 404 for any other id."""
    comment = public_comments(request).filter(pk=comment_id).first()
    if comment is None:
        return _problem(404, "No Comment matches the given query.", COMMENT_NOT_FOUND)
    return comment


@router.post(
    "/",
    response={201: ReaderCommentSchema, 202: ReaderCommentReceivedSchema},
    url_name="wagtail_dvt_create_comment",
    summary="Submit a comment",
    operation_id="wagtail_dvt_comments_create",
    auth=PUBLIC,
    openapi_extra=_openapi(400, 401, 403, 404, 409, 413, 415, 422, 429, created=True),
)
@decorate_view(with_codes, json_body)
def create_comment(
    request: HttpRequest, response: HttpResponse, data: ReaderCommentCreateSchema
):
    """Submit a reader's comment, under the same rules as the page's form.

    201 with the comment when it is published at once; 202 when it awaits
    moderation (also for spam, so a spammer learns nothing); a problem with
    a ``code`` when it is refused.
    """
    try:
        token = check_api_post(
            request.user, data.article, token=data.token, honeypot=data.honeypot
        )
        comment = submit_api_comment(
            request,
            data.article,
            author_name=data.author_name,
            body=data.body,
            email=data.email or "",
            token=token,
            parent=data.parent,
            notify_replies=data.notify_replies,
        )
    except CommentRefused as refusal:
        return _refusal_response(refusal)
    if comment.status != CommentStatus.APPROVED:
        return Status(202, {"message": RECEIVED_MESSAGE})
    location = _absolute(request, DETAIL_URL_NAME, comment_id=comment.pk)
    if location:
        response["Location"] = location
    return Status(201, comment)


class ReaderCommentReportSchema(Schema):
    """A reader's report of a comment to moderators."""

    model_config = ConfigDict(extra="forbid")

    # Documented as an enum, not validated as one: another value is answered
    # as the page's form answers it (400 ``invalid_report_reason``).
    reason: str | None = Field(
        default=None,
        description="Why moderators should look at the comment; `other` if left out.",
        json_schema_extra={"enum": [*ReportReason.values, None]},
    )


@router.post(
    "/{comment_id}/report/",
    response={202: ReaderCommentReceivedSchema},
    url_name="wagtail_dvt_report_comment",
    summary="Report a comment",
    operation_id="wagtail_dvt_comments_report",
    auth=PUBLIC,
    openapi_extra=_openapi(400, 413, 415, 422, 429, posted=True),
)
@decorate_view(with_codes, json_body)
def report_comment(
    request: HttpRequest, comment_id: CommentId, data: ReaderCommentReportSchema
):
    """Report a comment to moderators, once per client.

    202 for any id, reported or not (hidden, missing, or reported before by
    this client), so reports cannot tell hidden comments from missing ones.
    Reports share ``FLOOD_INTERVAL`` with posts (429).
    """
    try:
        report_api_comment(request, comment_id, reason=data.reason)
    except CommentRefused as refusal:
        return _refusal_response(refusal)
    return Status(202, {"message": REPORT_RECEIVED_MESSAGE})


def _refusal_response(refusal: CommentRefused):
    errors = None
    if isinstance(refusal, InvalidComment):
        errors = [
            {"loc": ["body", "data", field], "msg": message, "type": refusal.code}
            for field, messages in refusal.errors.items()
            for message in messages
        ]
    status = refusal.status_code
    if isinstance(refusal, AuthenticationRequired):
        status = 401  # v3 signs in with a bearer token: say so.
    response = _problem(status, refusal.message, refusal.code, errors)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    for name, value in refusal_headers(refusal).items():
        response[name] = value
    return response


#: The plugin's query parameter models: ninja lists their fields as
#: parameters, and adds the models to the components too, where nothing uses them.
QUERY_SCHEMAS = (
    "ReaderCommentFilterSchema",
    "CommentsPageInput",
    "CommentTokenFilterSchema",
)


def publish_components(api) -> None:
    """Add the comments operations' shared schemas to ``api``'s OpenAPI document.

    A router cannot add components of its own: this wraps the document's
    generation, once per ``api``, to add :class:`ReaderCommentProblem` (which
    every error answer refers to) and drop the unused query models. Called by
    :func:`fix_anonymous_security`, which a site's ``api.py`` calls anyway;
    nothing is changed when the plugin is imported.
    """
    if getattr(api, "_wagtail_dvt_components", False):
        return
    generate = api.get_openapi_schema

    @wraps(generate)
    def get_openapi_schema(*args, **kwargs):
        schema = generate(*args, **kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = ReaderCommentProblem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas.update(problem.pop("$defs", {}))
        schemas[ReaderCommentProblem.__name__] = problem
        for name in QUERY_SCHEMAS:
            schemas.pop(name, None)
        return schema

    api.get_openapi_schema = get_openapi_schema
    api._wagtail_dvt_components = True


def fix_anonymous_security(api) -> None:
    """Make Wagtail's v3 OpenAPI document valid: call once in the site's api.py.

    Wagtail 8's ``AllowAnonymous`` is published as the security scheme
    ``{"type": "http"}`` with no ``scheme``, which OpenAPI 3.1 forbids, so
    validators and client generators reject the whole document. This drops
    that scheme from ``api``'s document and turns each requirement naming it
    into ``{}``, OpenAPI's "no authentication needed". Requests are not
    affected: only the document changes, and only for this ``api`` instance.
    Also publishes the comments operations' schemas (:func:`publish_components`).
    """
    publish_components(api)
    generate = api.get_openapi_schema

    @wraps(generate)
    def get_openapi_schema(*args, **kwargs):
        schema = generate(*args, **kwargs)
        schemes = schema.get("components", {}).get("securitySchemes", {})
        broken = {
            name
            for name, scheme in schemes.items()
            if scheme.get("type") == "http" and "scheme" not in scheme
        }
        if not broken:
            return schema
        for name in broken:
            del schemes[name]
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "security" in operation:
                    operation["security"] = _without(operation["security"], broken)
        return schema

    api.get_openapi_schema = get_openapi_schema


def _without(requirements: list[dict], broken: set[str]) -> list[dict]:
    fixed = []
    for requirement in requirements:
        kept = {name: v for name, v in requirement.items() if name not in broken}
        if kept not in fixed:
            fixed.append(kept)
    return fixed


__all__ = [
    "ReaderCommentProblem",
    "ReaderCommentSchema",
    "fix_anonymous_security",
    "publish_components",
    "router",
]
