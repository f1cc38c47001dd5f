"""Conditional GETs for Wagtail 8's API v3 page detail, which is Wagtail's view.

A plugin cannot wrap a view of Wagtail's router, so a site that wants ETags,
``Last-Modified`` and 304s on ``/api/v3/pages/<id>/`` for its articles adds
this middleware::

    MIDDLEWARE = [
        ...
        "wagtail_dvt.middleware.ArticleDetailConditionalMiddleware",
    ]

It acts on anonymous reads of the live article only (no ``Authorization``
header, no ``?version=draft``): the representation every reader shares.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import NoReverseMatch, Resolver404, get_urlconf, resolve, reverse

from .api_fields import V3_PAGE_DETAIL
from .conditional import (
    api_headers,
    article_validators,
    collect_embedded,
    conditional,
    fresh,
    not_modified,
    stored_article_validators,
)


@lru_cache
def _detail_prefix(urlconf) -> str | None:
    """The path every v3 page detail starts with (``/api/v3/pages/``)."""
    try:
        path = reverse(V3_PAGE_DETAIL, urlconf=urlconf, kwargs={"page_id": 1})
    except NoReverseMatch:
        return None
    return path[: path.rindex("/1/") + 1]


def _page_id(match) -> int | None:
    try:
        return int(match.kwargs["page_id"])
    except (KeyError, TypeError, ValueError):
        return None


class ArticleDetailConditionalMiddleware:
    """Validators, ``Cache-Control`` and 304s on the v3 detail of an article."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._may_be_article_detail(request):
            return self.get_response(request)
        if conditional(request):
            page_id = self._article_detail_id(request.path_info)
            if page_id is not None:
                validators, tags = stored_article_validators(request, page_id)
                if validators is None:
                    article = self._public_article(request, page_id)
                    if article is not None:
                        validators, tags = article_validators(article, request)
                if fresh(request, validators):
                    return not_modified(validators, tags=tags, request=request)
        # The validators of the article the view itself read and serialized;
        # which view answered, Django's own resolving tells afterwards.
        with collect_embedded() as embedded:
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if response.status_code != 200 or match is None:
            return response
        if match.view_name != V3_PAGE_DETAIL:
            return response
        page_id = _page_id(match)
        article = next((page for page in embedded if page.pk == page_id), None)
        if article is None:
            return response
        validators, tags = article_validators(article, request)
        return api_headers(response, validators, tags=tags, request=request)

    @staticmethod
    def _may_be_article_detail(request) -> bool:
        # Most requests are told apart without resolving their URL.
        if request.method not in ("GET", "HEAD") or "Authorization" in request.headers:
            return False
        prefix = _detail_prefix(get_urlconf())
        if prefix is None or not request.path_info.startswith(prefix):
            return False
        return request.GET.get("version", "live") == "live"

    @staticmethod
    def _article_detail_id(path) -> int | None:
        try:
            match = resolve(path)
        except Resolver404:
            return None
        if match.view_name != V3_PAGE_DETAIL:
            return None
        return _page_id(match)

    @staticmethod
    def _public_article(request, page_id):
        # Wagtail's own rules for what anonymous v3 readers may see.
        from wagtail.api.querysets import get_public_pages_queryset

        from .models import get_article_model

        try:
            queryset = get_public_pages_queryset(request, get_article_model())
        except ValueError:  # An ambiguous ?site=: the view answers it.
            return None
        return queryset.filter(pk=page_id).first()
