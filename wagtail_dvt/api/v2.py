"""The plugin's endpoints for Wagtail's API v2.

A site registers them on its own router, in place of and next to Wagtail's::

    api_router.register_endpoint("pages", ArticlePagesAPIViewSet)
    api_router.register_endpoint("comments", CommentsAPIViewSet)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.urls import path
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.fields import BooleanField, DateTimeField, Field, IntegerField
from rest_framework.filters import BaseFilterBackend
from rest_framework.metadata import BaseMetadata
from rest_framework.pagination import BasePagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from wagtail.api import APIField
from wagtail.api.v2.utils import BadRequestError, get_object_detail_url
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet

from ..api_fields import api_time
from ..comments.admission import CommentRefused, InvalidComment
from ..conditional import (
    api_headers,
    article_validators,
    conditional,
    fresh,
    listing_validators,
    not_modified,
    stored_article_validators,
)
from ..models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)
from ..seo import api as opt_in_fields
from . import listing
from .common import (
    CODES_BY_STATUS,
    DEFAULT_LIMIT,
    INVALID_JSON,
    MAX_ID,
    MAX_LIMIT,
    ORDERINGS,
    RECEIVED_MESSAGE,
    REPORT_FIELDS,
    REPORT_RECEIVED_MESSAGE,
    REQUEST_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    BadBody,
    bounded_field_errors,
    bounded_text,
    check_body_size,
    filter_comments,
    listing_links,
    page_html_url,
    parse_id,
    parse_json,
    parse_moment,
    parse_parent,
    public_comments,
    refusal_headers,
    report_api_comment,
    submit_api_comment,
)
from .tokens import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    api_comments_mode,
    check_api_post,
    issue_api_token,
)

#: What a POST may contain; anything else (``status``, ``ip_address``...) is
#: refused rather than silently dropped, so a client learns of its mistake.
INPUT_FIELDS = frozenset(
    [
        "article",
        "parent",
        "author_name",
        "body",
        "email",
        "notify_replies",
        TOKEN_FIELD,
        HONEYPOT_FIELD,
    ]
)


@functools.cache
def _article_row():
    """The reverse one-to-one from the base page model to the article's row.

    Named after the base page (``page_ptr``, ``basepage_ptr``...), so read
    from the model; ``None`` if the article model is not a direct subclass
    of the base page model, where no single join reaches its row.
    """
    link = get_article_model()._meta.parents.get(get_base_page_model())
    return link.remote_field if link is not None else None


class ArticlePagesAPIViewSet(PagesAPIViewSet):
    """Wagtail's pages endpoint, with fewer queries for listings and articles.

    A drop-in replacement for ``wagtail.api.v2.views.PagesAPIViewSet``. It
    shows ``structured_data`` only when ``?fields=`` names it. The
    article fields need none of it: they load their comments for a whole
    listing at once with either endpoint. But Wagtail's own ``meta.locale``
    field, part of ``?fields=*``, fetches each page's locale in a query of its
    own; this endpoint joins the locales into the listing's query instead. A
    detail joins the article's own row too, where Wagtail fetches the page
    and then, in a second query, its specific fields.
    """

    @classmethod
    def get_detail_default_fields(cls, model):
        return opt_in_fields.without_opt_in(super().get_detail_default_fields(model))

    @classmethod
    def _get_serializer_class(cls, router, model, fields_config, **kwargs):
        fields_config = opt_in_fields.unless_named(
            fields_config, cls.get_body_fields_names(model)
        )
        return super()._get_serializer_class(router, model, fields_config, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset().select_related("locale")
        article_row = _article_row()
        if (
            self.action == "detail_view"
            and article_row is not None
            and queryset.model is get_base_page_model()
        ):
            queryset = queryset.select_related(article_row.get_accessor_name())
        return queryset

    def get_object(self):
        # BaseAPIViewSet finds the page; PagesAPIViewSet's own get_object
        # would then fetch its specific form again, joined above for articles.
        page = BaseAPIViewSet.get_object(self)
        article_row = _article_row()
        if (
            page.specific_class is get_article_model()
            and article_row is not None
            and article_row.is_cached(page)
        ):
            return article_row.get_cached_value(page)
        return page.specific

    def detail_view(self, request, pk):
        """Wagtail's detail, with an ETag, a Last-Modified and 304s for an article.

        The validators come from the page and its comments' change time: a
        304 reads no comment and serializes nothing, and where it can, it
        comes from one query, before Wagtail looks the page up.
        """
        if conditional(request):
            validators, tags = stored_article_validators(request, pk)
            if fresh(request, validators):
                return not_modified(validators, tags=tags, request=request)
        instance = self.get_object()
        validators, tags = article_validators(instance, request)
        if fresh(request, validators):
            return not_modified(validators, tags=tags, request=request)
        response = Response(self.get_serializer(instance).data)
        if validators is None:
            return response  # Not an article: as Wagtail answers it.
        return api_headers(response, validators, tags=tags, request=request)


class ArticleReferenceField(Field):
    """The article a comment is on, as Wagtail nests a page."""

    def __init__(self, **kwargs):
        super().__init__(source="page", read_only=True, **kwargs)

    def to_representation(self, page):
        request = self.context["request"]
        article_model = get_article_model()
        return {
            "id": page.pk,
            "meta": {
                "type": article_model._meta.label,
                "detail_url": get_object_detail_url(
                    self.context["router"], request, article_model, page.pk
                ),
                "html_url": page_html_url(page, request),
            },
            "title": page.title,
        }


class CommentHtmlUrlField(Field):
    """The comment on its article's page: the page's URL and ``#comment-<id>``."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, comment):
        url = page_html_url(comment.page, self.context["request"])
        return f"{url}#comment-{comment.pk}" if url else None


class CommentsFilter(BaseFilterBackend):
    """``?article=``, ``?parent=``, ``?posted_after=``, ``?posted_before=`` and
    ``?order=``."""

    def filter_queryset(self, request, queryset, view):
        return filter_comments(queryset, **self.read_filters(request))

    @staticmethod
    def read_filters(request):
        """The filters' values, validated: ``filter_comments()`` keywords."""
        params = request.GET
        article = params.get("article")
        if article is not None:
            article = parse_id(article)
            if article is None:
                raise BadRequestError("article must be a page id")
        try:
            parent = parse_parent(params.get("parent"))
        except ValueError as err:
            raise BadRequestError(str(err)) from err
        bounds = {}
        for name in ("posted_after", "posted_before"):
            if name in params:
                try:
                    bounds[name] = parse_moment(params[name])
                except ValueError as err:
                    raise BadRequestError(
                        f"{name} must be an ISO 8601 date or date-time"
                    ) from err
        order = params.get("order", "posted_at")
        if order not in ORDERINGS:
            raise BadRequestError(
                "order must be one of: " + ", ".join(sorted(ORDERINGS))
            )
        return {"article": article, "parent": parent, "order": order, **bounds}


class CommentBodyField(Field):
    """A comment's text as the page renders it (see ``comment_body_html``)."""

    def __init__(self, **kwargs):
        super().__init__(source="body", read_only=True, **kwargs)

    def to_representation(self, body):
        from ..models import comment_body_html

        return str(comment_body_html(body))


class SecondsDateTimeField(DateTimeField):
    """A time to the second, as v3 and the embedded comments show it."""

    def to_representation(self, value):
        return super().to_representation(api_time(value))


class CommentJSONParser(JSONParser):
    """DRF's JSON parser, with a size limit and no crash on deep nesting."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        try:
            if request is not None:
                check_body_size(request)
            return parse_json(stream.read() if stream is not None else b"")
        except BadBody as err:
            raise CommentBodyError(err) from err


class CommentBodyError(exceptions.APIException):
    """A :class:`~.common.BadBody` as DRF's exception."""

    def __init__(self, bad_body):
        self.status_code, self.code = bad_body.status, bad_body.code
        super().__init__(bad_body.message)


class CommentsMetadata(BaseMetadata):
    """What ``OPTIONS`` answers: the endpoint and the media types it takes.

    DRF's default describes a serializer's fields, which this endpoint has
    none of in DRF's sense; CORS preflights only need a 200 and ``Allow``.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }


class CommentsPagination(BasePagination):
    """``limit`` (default 20, at most 100) and ``offset``, with page links.

    ``meta`` has ``total_count`` as in Wagtail, and ``next`` and
    ``previous``: absolute URLs of the neighbouring pages, or ``None``.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.read_page(request)
        self.total_count = queryset.count()
        return queryset[self.offset : self.offset + self.limit]

    def read_page(self, request):
        """Read ``offset`` and ``limit``; 400 if either is no number in range."""
        self.request = request
        self.offset = self._number(request, "offset", 0, 0, MAX_ID)
        self.limit = self._number(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)

    @staticmethod
    def _number(request, name, default, lowest, highest):
        text = request.GET.get(name)
        if text is None:
            return default
        if not (text.isascii() and text.isdigit()) or int(text[:20]) < lowest:
            raise BadRequestError(f"{name} must be an integer from {lowest}")
        # Longer than the highest (Python refuses to read very long numbers).
        if len(text.lstrip("0")) > len(str(highest)) or int(text) > highest:
            raise BadRequestError(f"{name} cannot be higher than {highest}")
        return int(text)

    def get_paginated_response(self, data):
        following, previous = listing_links(
            self.request, offset=self.offset, limit=self.limit, count=self.total_count
        )
        meta = {
            "total_count": self.total_count,
            "next": following,
            "previous": previous,
        }
        return Response({"meta": meta, "items": data})


class CommentsAPIViewSet(BaseAPIViewSet):
    """Approved reader comments on live, public articles; and posting new ones.

    ``GET`` lists them (filters: ``article``, ``posted_after``,
    ``posted_before``, ``order``) or shows one by id; comments that are not
    approved, or on pages that are not live and public, are never found.
    ``POST`` (JSON) submits a comment through
    :func:`wagtail_dvt.comments.admission.submit_comment`.
    """

    model = Comment
    name = "comments"
    filter_backends = [CommentsFilter]
    # Comments are public and posting one needs no account: no session
    # authentication, hence no CSRF check, and JSON only, which a cross-site
    # HTML form cannot send.
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [CommentJSONParser]
    pagination_class = CommentsPagination
    metadata_class = CommentsMetadata

    known_query_parameters = frozenset(
        [
            "limit",
            "offset",
            "fields",
            "order",
            "article",
            "parent",
            "posted_after",
            "posted_before",
            # Used by jQuery for cache-busting, and by the browsable API.
            "_",
            "format",
        ]
    )
    body_fields = [
        "id",
        APIField("article", serializer=ArticleReferenceField()),
        "author_name",
        "body",
        APIField("body_html", serializer=CommentBodyField()),
        APIField("posted_at", serializer=SecondsDateTimeField(read_only=True)),
        APIField(
            "parent",
            serializer=IntegerField(source="parent_id", read_only=True),
        ),
        APIField("reply_count", serializer=IntegerField(read_only=True)),
        # Computed by the queryset (comments.accounts), no model field: never
        # a filter, and never a query per comment.
        APIField("by_article_author", serializer=BooleanField(read_only=True)),
    ]
    meta_fields = [
        "type",
        "detail_url",
        APIField("html_url", serializer=CommentHtmlUrlField()),
    ]
    listing_default_fields = [
        "id",
        "type",
        "detail_url",
        "html_url",
        "article",
        "author_name",
        "body",
        "body_html",
        "posted_at",
        "parent",
        "reply_count",
        "by_article_author",
    ]
    nested_default_fields = ["id", "type", "detail_url"]

    @classmethod
    def get_body_fields(cls, model):
        # Only the fields above, whatever api_fields the model may ever gain:
        # the private ones must stay out of reach.
        return cls._convert_api_fields(cls.body_fields)

    @classmethod
    def get_meta_fields(cls, model):
        return cls._convert_api_fields(cls.meta_fields)

    @classmethod
    def get_urlpatterns(cls):
        return [
            path(
                "",
                cls.as_view({"get": "listing_view", "post": "create_view"}),
                name="listing",
            ),
            path("<int:pk>/", cls.as_view({"get": "detail_view"}), name="detail"),
            path(
                "<int:pk>/report/",
                cls.as_view({"post": "report_view"}),
                name="report",
            ),
            path("token/", cls.as_view({"get": "token_view"}), name="token"),
            path("find/", cls.as_view({"get": "find_view"}), name="find"),
        ]

    def get_authenticators(self):
        # Signed-in posting reads the Django session, with DRF's CSRF check.
        if api_comments_mode() == "authenticated":
            return [SessionAuthentication()]
        return super().get_authenticators()

    def get_queryset(self):
        return public_comments(self.request)

    def check_query_parameters(self, queryset):
        # Unlike Wagtail's endpoints, no model field is a filter here.
        unknown = set(self.request.GET.keys()) - self.known_query_parameters
        if unknown:
            raise BadRequestError(
                "query parameter is not an operation or a recognised field: "
                + ", ".join(sorted(unknown))
            )

    def listing_view(self, request):
        """The listing: the fast path of :mod:`.listing` unless ``?fields=``.

        Without ``fields``, the default fields are built from value rows in
        one query, with no serializer per item; ``?fields=`` selections go
        through Wagtail's serializers, which give the same items.
        """
        if "fields" in request.GET:
            return super().listing_view(request)
        self.check_query_parameters(None)
        filters = CommentsFilter.read_filters(request)
        paginator = self.paginator
        paginator.read_page(request)
        validators, tags = listing_validators(request, filters["article"])
        if fresh(request, validators):
            return not_modified(validators, tags=tags)
        page = listing.comments_page(
            request, offset=paginator.offset, limit=paginator.limit, **filters
        )
        paginator.total_count = page.total_count
        router = request.wagtailapi_router
        items = listing.items(
            request,
            page,
            article_url=functools.partial(
                get_object_detail_url, router, request, get_article_model()
            ),
            comment_url=functools.partial(
                get_object_detail_url, router, request, Comment
            ),
            zone=timezone.get_current_timezone(),
        )
        for item in items:
            item["posted_at"] = listing.drf_datetime(item["posted_at"])
        response = paginator.get_paginated_response(items)
        return api_headers(response, validators, tags=tags)

    def get_renderer_context(self):
        # Compact JSON, as API v3 writes it: Wagtail's v2 endpoints indent
        # theirs, which makes Python's JSON encoder slower and the listing a
        # third larger. The browsable API (``?format=api``) still indents.
        context = super().get_renderer_context()
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "json":
            context.pop("indent", None)
        return context

    def get_serializer_class(self):
        if self.action == "create_view":
            # A new comment is shown as its detail view would show it.
            return self._get_serializer_class(
                self.request.wagtailapi_router, Comment, [], show_details=True
            )
        return super().get_serializer_class()

    def find_object(self, queryset, request):
        if "id" in request.GET:
            pk = parse_id(request.GET["id"])
            return queryset.filter(pk=pk).first() if pk else None
        return super().find_object(queryset, request)

    def create_view(self, request):
        """Submit a comment: 201 if published, 202 if held, or the refusal."""
        fields, errors = self._read_input(request.data)
        if errors:
            return self._refusal_response(InvalidComment(errors))
        article = fields.pop("article")
        try:
            token = check_api_post(
                request.user,
                article,
                token=fields.pop(TOKEN_FIELD),
                honeypot=fields.pop(HONEYPOT_FIELD),
            )
            comment = submit_api_comment(request, article, token=token, **fields)
        except CommentRefused as refusal:
            return self._refusal_response(refusal)

        if comment.status != CommentStatus.APPROVED:
            return Response(
                {"message": RECEIVED_MESSAGE}, status=status.HTTP_202_ACCEPTED
            )
        data = self.get_serializer(comment).data
        headers = {"Location": data["meta"]["detail_url"]} if "meta" in data else {}
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    def report_view(self, request, pk):
        """Report a comment to moderators: 202, whatever the comment is.

        JSON only, as posts are, even without a body: a cross-site form
        could otherwise make visitors' browsers report a comment.
        """
        if request.content_type.split(";")[0].strip() != "application/json":
            return self._error(415, "Send the report as JSON.", UNSUPPORTED_MEDIA_TYPE)
        data = request.data
        if not isinstance(data, Mapping):
            raise BadRequestError("Expected a JSON object.")
        unknown = sorted(set(data) - REPORT_FIELDS)
        if unknown:
            raise BadRequestError(
                "This field is not accepted: "
                + ", ".join(bounded_text(name) for name in unknown[:10])
            )
        try:
            report_api_comment(request, pk, reason=data.get("reason"))
        except CommentRefused as refusal:
            return self._refusal_response(refusal)
        return Response(
            {"message": REPORT_RECEIVED_MESSAGE}, status=status.HTTP_202_ACCEPTED
        )

    def token_view(self, request):
        """A token for posting a comment on ``?article=``; never cached."""
        article = parse_id(request.GET.get("article"))
        if article is None:
            raise BadRequestError("article must be a page id")
        try:
            data = issue_api_token(request, article)
        except CommentRefused as refusal:
            return self._refusal_response(refusal)
        return Response(data, headers={"Cache-Control": "no-store"})

    @staticmethod
    def _read_input(data):
        """``(fields, errors)`` from the request body; errors map names to lists."""
        if not isinstance(data, Mapping):
            return {}, {"non_field_errors": ["Expected a JSON object."]}
        errors = {
            name: ["This field is not accepted."]
            for name in sorted(set(data) - INPUT_FIELDS)
        }
        article = parse_id(data.get("article"))
        if "article" not in data:
            errors["article"] = ["This field is required."]
        elif article is None:
            errors["article"] = ["A valid article id is required."]
        fields = {"article": article, "parent": None}
        if data.get("parent") is not None:
            fields["parent"] = parse_id(data["parent"])
            if fields["parent"] is None:
                errors["parent"] = ["A valid comment id is required."]
        for name in ("author_name", "body", "email", TOKEN_FIELD, HONEYPOT_FIELD):
            value = data.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors[name] = ["Must be a string."]
            fields[name] = value
        notify_replies = data.get("notify_replies")
        fields["notify_replies"] = False if notify_replies is None else notify_replies
        if not isinstance(fields["notify_replies"], bool):
            errors["notify_replies"] = ["Must be true or false."]
        return fields, errors

    def handle_exception(self, exc):
        """Every error as ``{"message", "code"}``, with its status."""
        if isinstance(exc, RequestDataTooBig):
            return self._error(413, "The request body is too large.", REQUEST_TOO_LARGE)
        if isinstance(exc, Http404):
            return self._error(404, str(exc), CODES_BY_STATUS[404])
        if isinstance(exc, BadRequestError):
            return self._error(400, str(exc), CODES_BY_STATUS[400])
        if isinstance(exc, exceptions.ParseError):
            return self._error(400, "The request body is not valid JSON.", INVALID_JSON)
        if isinstance(exc, exceptions.APIException) and not isinstance(
            exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed
        ):
            response = super().handle_exception(exc)
            code = getattr(exc, "code", None) or CODES_BY_STATUS.get(
                response.status_code, exc.default_code
            )
            response.data = {"message": str(exc.detail), "code": code}
            return response
        return super().handle_exception(exc)

    @staticmethod
    def _error(status_code, message, code):
        return Response({"message": message, "code": code}, status=status_code)

    @staticmethod
    def _refusal_response(refusal):
        data = {"message": refusal.message, "code": refusal.code}
        if getattr(refusal, "errors", None):
            data["errors"] = bounded_field_errors(refusal.errors)
        return Response(
            data, status=refusal.status_code, headers=refusal_headers(refusal)
        )
