"""Draft articles for a headless front-end's preview (wagtail-headless-preview).

When an article model has wagtail-headless-preview's ``HeadlessPreviewMixin``,
the admin's Preview stores the draft as a ``PagePreview`` and opens the
front-end at ``CLIENT_URLS`` with ``?content_type=<app>.<model>&token=<token>``.
The front-end then reads the draft from this endpoint, with the same fields as
the live article's v2 detail::

    api_router.register_endpoint("page_preview", ArticlePreviewAPIViewSet)

    GET /api/v2/page_preview/?content_type=<app>.<model>&token=<token>

Needs ``wagtail_headless_preview`` in ``INSTALLED_APPS``. Register it after the
"pages" endpoint, which keeps giving pages their ``detail_url``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.http import Http404
from django.urls import path
from rest_framework.response import Response
from wagtail.api.v2.utils import BadRequestError

from ..models import get_base_page_model
from .v2 import ArticlePagesAPIViewSet

#: How long a preview link serves its draft: a day, as wagtail-headless-preview
#: keeps the draft (its clean-up runs only on the next preview, so the token's
#: own age is what ends it).
PREVIEW_MAX_AGE = timedelta(days=1)


class ArticlePreviewAPIViewSet(ArticlePagesAPIViewSet):
    """A page's preview by wagtail-headless-preview token, as its detail shows it.

    The token is the secret: anyone holding it may read the draft for
    :data:`PREVIEW_MAX_AGE` after the editor's Preview, and no longer once the
    page (or the parent of a new page) is deleted or made private, or sits in
    a private section. Answers are never cached. 400 without ``content_type``
    and ``token``; 404 for an unknown, forged, expired or deleted token.
    """

    name = "page_preview"
    known_query_parameters = ArticlePagesAPIViewSet.known_query_parameters.union(
        ["content_type", "token"]
    )

    @classmethod
    def get_urlpatterns(cls):
        return [path("", cls.as_view({"get": "preview_view"}), name="listing")]

    def preview_view(self, request):
        # The detail's serializer, so the draft has the live detail's fields.
        self.action = "detail_view"
        serializer = self.get_serializer(self.get_object())
        return Response(serializer.data, headers={"Cache-Control": "private, no-store"})

    def get_object(self):
        if not hasattr(self, "_preview_page"):
            self._preview_page = self._find_preview()
        return self._preview_page

    def _find_preview(self):
        from wagtail_headless_preview.models import HeadlessPreviewMixin

        params = self.request.GET
        if not params.get("content_type") or not params.get("token"):
            raise BadRequestError("content_type and token are required")
        app_label, _dot, model = params["content_type"].partition(".")
        try:
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
        except ContentType.DoesNotExist as err:
            raise Http404("No such preview.") from err
        model_class = content_type.model_class()
        if not (
            model_class
            and issubclass(model_class, get_base_page_model())
            and issubclass(model_class, HeadlessPreviewMixin)
        ):
            raise Http404("No such preview.")
        try:
            identifier = model_class.get_preview_signer().unsign(
                params["token"], max_age=PREVIEW_MAX_AGE
            )
            page = model_class.get_page_from_preview_token(params["token"])
        except signing.BadSignature as err:  # expired too
            raise Http404("No such preview.") from err
        if page is None or not _previewed_page_is_public(identifier):
            raise Http404("No such preview.")
        if not page.pk:
            page.pk = 0  # A new page: the serializer needs an id.
        return page


def _previewed_page_is_public(identifier):
    """Whether the page a preview token names still exists and is public.

    wagtail-headless-preview signs ``id=<pk>`` for a page, and
    ``parent_id=<pk>;page_type=<label>`` for a new one, which is public when
    its parent is.
    """
    fields = dict(part.partition("=")[::2] for part in identifier.split(";"))
    page_id = fields.get("id") or fields.get("parent_id")
    if not (page_id and page_id.isdigit()):
        return False
    page = get_base_page_model().objects.filter(pk=int(page_id)).first()
    return page is not None and not page.get_view_restrictions().exists()
