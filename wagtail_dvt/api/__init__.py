"""The plugin's API endpoints, which a site registers on its own API.

Wagtail API v2 (all supported Wagtail versions)::

    from wagtail_dvt.api import ArticlePagesAPIViewSet, CommentsAPIViewSet

    api_router.register_endpoint("pages", ArticlePagesAPIViewSet)
    api_router.register_endpoint("comments", CommentsAPIViewSet)

Wagtail API v3 (Wagtail 8+)::

    from wagtail.api.v3.urls import api
    from wagtail_dvt.api.v3 import router as comments_router

    api.add_router("/comments/", comments_router)

``ArticlePage``'s fields (:mod:`.fields`) also work with Wagtail's own
``PagesAPIViewSet``; ``ArticlePagesAPIViewSet`` only keeps ``?fields=*``
listings at a flat query count. See ``docs/api.md``.
"""

__all__ = ["ArticlePagesAPIViewSet", "CommentsAPIViewSet"]


def __getattr__(name):
    # Loaded on first use: wagtail_dvt.models imports .fields from this
    # package, and the viewsets import the models.
    if name in __all__:
        from . import v2

        return getattr(v2, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
