"""Sitemap dates that move when comments arrive.

Wagtail's sitemap (``wagtail.contrib.sitemaps``) asks each page for its
``get_sitemap_urls()``; an article's ``lastmod`` is the later of its last
publication and its newest approved comment. The newest comment of every
article is read in one grouped query per sitemap request, not one per page.
"""

from __future__ import annotations

from django.db.models import Max

_CACHE_ATTR = "_wagtail_dvt_newest_comments"


def _newest_comments(request) -> dict:
    """``{article id: newest approved comment's time}``, once per request."""
    from ..models import Comment, CommentStatus

    newest = getattr(request, _CACHE_ATTR, None) if request is not None else None
    if newest is None:
        newest = dict(
            Comment.objects.filter(status=CommentStatus.APPROVED)
            .order_by()
            .values("page_id")
            .annotate(newest=Max("posted_at"))
            .values_list("page_id", "newest")
        )
        if request is not None:
            setattr(request, _CACHE_ATTR, newest)
    return newest


def newest_comment_time(page, request=None):
    """When the newest approved comment shown on ``page`` was posted, or ``None``."""
    return _newest_comments(request).get(page.comments_source_id)


def with_comment_lastmod(page, urls: list[dict], request=None) -> list[dict]:
    """``urls`` (``get_sitemap_urls()`` entries) with ``lastmod`` moved to the
    newest comment's time where that is later."""
    newest = newest_comment_time(page, request)
    if newest is None:
        return urls
    for url in urls:
        lastmod = url.get("lastmod")
        if lastmod is None or newest > lastmod:
            url["lastmod"] = newest
    return urls
