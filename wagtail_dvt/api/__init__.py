"""The plugin's API endpoints, which a site registers on its own API.

Wagtail API v2 (all supported Wagtail versions)::

    from wagtail_dvt.api import ArticlePagesAPIViewSet, CommentsAPIViewSet

    api_router.register_endpoint("pages", ArticlePagesAPIViewSet)
    api_router.register_endpoint("comments", CommentsAPIViewSet)

Wagtail API v3 (Wagtail 8+)::

    from wagtail.api.v3.urls import api
    from wagtail_dvt.api.v3 import router as comments_router

    api.add_router("/comments/", comments_router)

The article's API fields (:mod:`wagtail_dvt.api_fields`) also work with
Wagtail's own ``PagesAPIViewSet``; ``ArticlePagesAPIViewSet`` only keeps
``?fields=*`` listings at a flat query count. See ``docs/api.md``.
"""

from .v2 import ArticlePagesAPIViewSet, CommentsAPIViewSet

__all__ = ["ArticlePagesAPIViewSet", "CommentsAPIViewSet"]
