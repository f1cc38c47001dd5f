"""The demo site's API: Wagtail's v2 read API, plus the v3 API on Wagtail 8+.

The site owns the routers; apps only supply endpoint classes, as in bakerydemo.
wagtail-dvt supplies a pages endpoint (Wagtail's, with listings at a flat query
count) and the comments endpoints.
"""

from django.apps import apps
from django.urls import path
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from wagtail_dvt.api import ArticlePagesAPIViewSet, CommentsAPIViewSet

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ArticlePagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
api_router.register_endpoint("comments", CommentsAPIViewSet)

if apps.is_installed("wagtail_headless_preview"):
    # Draft articles for a headless front-end's preview (docs/api.md).
    from wagtail_dvt.api.preview import ArticlePreviewAPIViewSet

    api_router.register_endpoint("page_preview", ArticlePreviewAPIViewSet)

api_urlpatterns = [
    path("api/v2/", api_router.urls),
]

if WAGTAIL_VERSION >= (8, 0):
    # One shared NinjaAPI instance: Wagtail's apps add their routers to it in
    # AppConfig.ready(), so it must only be mounted, never rebuilt here.
    from wagtail.api.v3.urls import api as v3_api

    from wagtail_dvt.api.v3 import fix_anonymous_security
    from wagtail_dvt.api.v3 import router as comments_router

    # Routers must be added before v3_api.urls is first read.
    v3_api.add_router("/comments/", comments_router)
    # Wagtail's AllowAnonymous scheme makes the document invalid (see
    # docs/api.md): publish "no auth needed" as OpenAPI's {} instead.
    fix_anonymous_security(v3_api)

    api_urlpatterns += [
        path("api/v3/", v3_api.urls),
    ]
