"""Template tags for the reader page's metadata.

``{% dvt_head %}`` goes in a site's base template ``<head>``: Open Graph and
Twitter card tags for any page, with an article's details on articles. The
article template adds the rest itself, so that a ``wagtail start`` base
template needs no change: ``{% dvt_feed_links %}`` in its ``extra_css``
block and ``{% dvt_structured_data %}`` in its ``content`` block.
"""

from django import template
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from wagtail.models import Site

from ..models import COMMENTS_PAGE_PARAMETER, ArticlePageMixin
from ..seo.structured_data import (
    blog_posting,
    comment_items,
    json_ld_script,
    page_language,
)

register = template.Library()

#: The Site-wide feeds' URL names, when the site includes wagtail_dvt.seo.urls.
SITE_FEEDS = [
    ("wagtail_dvt_feeds:articles_rss", "application/rss+xml"),
    ("wagtail_dvt_feeds:articles_atom", "application/atom+xml"),
]


def _page_url(page, request):
    try:
        return page.get_full_url(request)
    except NoReverseMatch:
        return None


@register.simple_tag(takes_context=True)
def dvt_head(context):
    """Open Graph and Twitter card ``<meta>`` tags of the page being shown."""
    page, request = context.get("page"), context.get("request")
    if page is None or not hasattr(page, "get_full_url"):
        return ""
    site = Site.find_for_request(request) if request is not None else None
    return render_to_string(
        "wagtail_dvt/seo/head.html",
        {
            "page": page,
            "is_article": isinstance(page, ArticlePageMixin),
            "url": _page_url(page, request),
            "title": getattr(page, "seo_title", "") or page.title,
            "site_name": site.site_name if site else "",
        },
    )


@register.simple_tag(takes_context=True)
def dvt_structured_data(context):
    """The article's schema.org JSON-LD, with the comments on this page of them."""
    page, request = context["page"], context.get("request")
    url = _page_url(page, request)
    comments = context.get("comments")
    comments_url = url
    if comments is not None and comments.number > 1 and url:
        comments_url = f"{url}?{COMMENTS_PAGE_PARAMETER}={comments.number}"
    data = blog_posting(
        page,
        url=url,
        # A removed comment's placeholder says nothing to show as a Comment.
        comments=comment_items(
            [c for c in comments or () if not getattr(c, "is_placeholder", 0)],
            comments_url or url or "",
        ),
        comment_count=context.get("comment_count", 0),
        language=page_language(page),
    )
    return json_ld_script(data)


@register.simple_tag(takes_context=True)
def dvt_feed_links(context):
    """``<link rel="alternate">`` to the article's comments feed and the
    Site's article feeds, where the site includes them."""
    page, request = context["page"], context.get("request")
    feeds = []
    url = _page_url(page, request)
    if url:
        feeds.append(
            (
                url.rstrip("/") + "/" + page.reverse_subpage("comments_feed"),
                "application/rss+xml",
                "comments",
            )
        )
    for name, media_type in SITE_FEEDS:
        try:
            feeds.append((reverse(name), media_type, "articles"))
        except NoReverseMatch:
            pass
    return render_to_string(
        "wagtail_dvt/seo/feed_links.html", {"page": page, "feeds": feeds}
    )
