"""The plugin's endpoints for Wagtail's API v2.

A site registers them on its own router, in place of and next to Wagtail's::

    api_router.register_endpoint("pages", ArticlePagesAPIViewSet)
    api_router.register_endpoint("comments", CommentsAPIViewSet)
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.urls import path
from rest_framework import status
from rest_framework.fields import Field
from rest_framework.filters import BaseFilterBackend
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from wagtail.api import APIField
from wagtail.api.v2.utils import BadRequestError, get_full_url, get_object_detail_url
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.models import Page

from ..comments.admission import CommentRefused
from ..models import ArticlePage, Comment, CommentStatus
from . import listing
from .common import (
    MAX_ID,
    ORDERINGS,
    RECEIVED_MESSAGE,
    filter_comments,
    page_html_url,
    parse_id,
    parse_moment,
    public_comments,
    refusal_headers,
    submit_api_comment,
)

#: What a POST may contain; anything else (``status``, ``ip_address``...) is
#: refused rather than silently dropped, so a client learns of its mistake.
INPUT_FIELDS = frozenset(["article", "author_name", "body", "email"])


#: The reverse one-to-one from a ``Page`` to its ``ArticlePage`` row.
ARTICLE_ROW = ArticlePage._meta.get_field("page_ptr").remote_field


class ArticlePagesAPIViewSet(PagesAPIViewSet):
    """Wagtail's pages endpoint, with fewer queries for listings and articles.

    A drop-in replacement for ``wagtail.api.v2.views.PagesAPIViewSet``. The
    article fields need none of it: they load their comments for a whole
    listing at once with either endpoint. But Wagtail's own ``meta.locale``
    field, part of ``?fields=*``, fetches each page's locale in a query of its
    own; this endpoint joins the locales into the listing's query instead. A
    detail joins the article's own row too, where Wagtail fetches the page
    and then, in a second query, its specific fields.
    """

    def get_queryset(self):
        queryset = super().get_queryset().select_related("locale")
        if self.action == "detail_view" and queryset.model is Page:
            queryset = queryset.select_related(ARTICLE_ROW.get_accessor_name())
        return queryset

    def get_object(self):
        # BaseAPIViewSet finds the page; PagesAPIViewSet's own get_object
        # would then fetch its specific form again, joined above for articles.
        page = BaseAPIViewSet.get_object(self)
        if page.specific_class is ArticlePage and ARTICLE_ROW.is_cached(page):
            return ARTICLE_ROW.get_cached_value(page)
        return page.specific


class ArticleReferenceField(Field):
    """The article a comment is on, as Wagtail nests a page."""

    def __init__(self, **kwargs):
        super().__init__(source="page", read_only=True, **kwargs)

    def to_representation(self, page):
        request = self.context["request"]
        return {
            "id": page.pk,
            "meta": {
                "type": ArticlePage._meta.label,
                "detail_url": get_object_detail_url(
                    self.context["router"], request, ArticlePage, page.pk
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


class CommentBodyHtmlField(Field):
    """The comment text as the article page shows it: escaped HTML."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, comment):
        return str(comment.body_html())


class CommentsFilter(BaseFilterBackend):
    """``?article=``, ``?posted_after=``, ``?posted_before=`` and ``?order=``."""

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
        return {"article": article, "order": order, **bounds}


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
    parser_classes = [JSONParser]

    known_query_parameters = frozenset(
        [
            "limit",
            "offset",
            "fields",
            "order",
            "article",
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
        APIField("body_html", serializer=CommentBodyHtmlField()),
        "posted_at",
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
            path("find/", cls.as_view({"get": "find_view"}), name="find"),
        ]

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
        offset, limit = self._read_page_bounds(request)
        page = listing.comments_page(request, offset=offset, limit=limit, **filters)
        router = request.wagtailapi_router
        summaries = listing.ArticleSummaries(
            request,
            listing.url_maker(
                get_object_detail_url(router, request, ArticlePage, 987654321),
                "987654321",
            ),
        )
        comment_url = listing.url_maker(
            get_object_detail_url(router, request, Comment, 987654321), "987654321"
        )
        zone = listing.current_zone()
        items = listing.items(page, summaries, comment_url, zone)
        for item in items:
            item["posted_at"] = listing.drf_datetime(item["posted_at"])
        next_url, previous_url = listing.page_links(request, page, get_full_url)
        return Response(
            {
                "meta": {
                    "total_count": page.total_count,
                    "next": next_url,
                    "previous": previous_url,
                },
                "items": items,
            }
        )

    @staticmethod
    def _read_page_bounds(request):
        """``(offset, limit)``, checked as Wagtail's pagination checks them."""
        limit_max = getattr(settings, "WAGTAILAPI_LIMIT_MAX", 20)
        try:
            offset = int(request.GET.get("offset", 0))
            if offset < 0:
                raise ValueError()
        except ValueError as err:
            raise BadRequestError("offset must be a positive integer") from err
        if offset > MAX_ID:
            raise BadRequestError(f"offset cannot be higher than {MAX_ID}")
        try:
            limit_default = 20 if not limit_max else min(20, limit_max)
            limit = int(request.GET.get("limit", limit_default))
            if limit < 0:
                raise ValueError()
        except ValueError as err:
            raise BadRequestError("limit must be a positive integer") from err
        if limit_max and limit > limit_max:
            raise BadRequestError(f"limit cannot be higher than {limit_max}")
        return offset, limit

    def get_renderer_context(self):
        # Compact JSON, as API v3 writes it: Wagtail's v2 endpoints indent
        # theirs, which makes Python's JSON encoder slower and the listing a
        # third larger. The browsable API (``?format=api``) still indents.
        context = super().get_renderer_context()
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "json":
            context.pop("indent", None)
        return context

    def get_paginated_response(self, data):
        # ``?fields=`` listings link their neighbours as the fast path does.
        response = super().get_paginated_response(data)
        offset, limit = self._read_page_bounds(self.request)
        page = listing.CommentsPage([], self.paginator.total_count, offset, limit)
        meta = response.data["meta"]
        meta["next"], meta["previous"] = listing.page_links(
            self.request, page, get_full_url
        )
        return response

    def paginate_queryset(self, queryset):
        # Wagtail would pass any offset to the database, which fails on
        # numbers larger than it stores.
        offset = self.request.GET.get("offset", "")
        if offset.isascii() and offset.isdigit() and int(offset) > MAX_ID:
            raise BadRequestError(f"offset cannot be higher than {MAX_ID}")
        return super().paginate_queryset(queryset)

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
            return Response(
                {"message": "Please correct the errors below.", "errors": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            comment = submit_api_comment(request, fields.pop("article"), **fields)
        except CommentRefused as refusal:
            return self._refusal_response(refusal)

        if comment.status != CommentStatus.APPROVED:
            return Response(
                {"message": RECEIVED_MESSAGE}, status=status.HTTP_202_ACCEPTED
            )
        data = self.get_serializer(comment).data
        headers = {"Location": data["meta"]["detail_url"]} if "meta" in data else {}
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

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
        fields = {"article": article}
        for name in ("author_name", "body", "email"):
            value = data.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors[name] = ["Must be a string."]
            fields[name] = value
        return fields, errors

    @staticmethod
    def _refusal_response(refusal):
        data = {"message": refusal.message}
        if getattr(refusal, "errors", None):
            data["errors"] = refusal.errors
        return Response(
            data, status=refusal.status_code, headers=refusal_headers(refusal)
        )
