"""RSS and Atom feeds, with Django's syndication framework.

Two feeds, both under the APIs' visibility rules (``api.common``): approved
comments only, without email or address; nothing from draft or private
pages, nor from an alias of a private page; only the request's Site.

- :class:`ArticleCommentsFeed`: an article's comments, served by the
  article's own ``comments/feed/`` route, so it needs no URLconf change.
- :class:`LatestArticlesFeed` and :class:`LatestArticlesAtomFeed`: a Site's
  latest articles, or one index page's, from ``wagtail_dvt.seo.urls``.

Feed objects are built once per URLconf and shared by every request, so
the request travels in the object each method receives, never on ``self``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext
from wagtail.models import Locale, Site

from ..api.common import page_html_url, public_articles, public_comments
from ..conf import get_setting
from ..models import Comment, comment_body_html, get_base_page_model
from .structured_data import comment_anchor


@dataclass(frozen=True)
class ArticleScope:
    """An article whose comments a feed lists, and the request asking."""

    request: object
    article: object
    url: str


@dataclass(frozen=True)
class SiteScope:
    """The Site (or one index page of it) whose articles a feed lists."""

    request: object
    site: Site
    index: object | None
    url: str


class ArticleCommentsFeed(Feed):
    """An article's newest approved comments, as RSS 2.0.

    An alias lists its source article's comments, and nothing if that
    article is private.
    """

    feed_type = Rss201rev2Feed

    def get_object(self, request, article):
        return ArticleScope(request, article, page_html_url(article, request) or "")

    def title(self, scope):
        return gettext("Comments on “%(title)s”") % {"title": scope.article.title}

    def link(self, scope):
        return scope.url

    def description(self, scope):
        return gettext("Readers' comments on “%(title)s”, newest first.") % {
            "title": scope.article.title
        }

    def items(self, scope):
        comments = public_comments(
            scope.request, article=scope.article.comments_source_id
        )
        comments = list(
            comments.select_related(None)
            .only(*Comment.PUBLIC_FIELDS)
            .order_by("-posted_at", "-pk")[: get_setting("FEED_ITEMS")]
        )
        return _with_links(comments, lambda c: comment_anchor(scope.url, c.pk))

    def item_title(self, comment):
        return gettext("Comment by %(name)s") % {"name": comment.author_name}

    def item_description(self, comment):
        return comment_body_html(comment.body)

    def item_link(self, comment):
        return comment.feed_link

    def item_pubdate(self, comment):
        return comment.posted_at

    def item_author_name(self, comment):
        return comment.author_name


class LatestArticlesFeed(Feed):
    """A Site's newest live, public articles, as RSS 2.0.

    With ``index_id`` (from the URL), only the articles below that page. On a
    translated site, the articles of the active language (the URL's prefix),
    under their translated titles.
    """

    feed_type = Rss201rev2Feed

    def get_object(self, request, index_id=None):
        site = Site.find_for_request(request)
        if site is None:
            raise Http404("No Site serves this host.")
        index = _find_index(request, site, index_id) if index_id else None
        top = index or _localized(site.root_page)
        return SiteScope(request, site, index, page_html_url(top, request) or "")

    def title(self, scope):
        name = scope.index.title if scope.index else scope.site.site_name
        if not name:
            return gettext("Latest articles")
        return gettext("Latest articles: %(name)s") % {"name": name}

    def link(self, scope):
        return scope.url

    def description(self, scope):
        return self.title(scope)

    def items(self, scope):
        articles = public_articles(scope.request)
        # An alias shows its source, which must be public in this Site too.
        articles = articles.filter(
            Q(alias_of__isnull=True)
            | Q(alias_of__in=public_articles(scope.request).values("pk"))
        )
        if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            articles = articles.filter(locale=Locale.get_active())
        if scope.index is not None:
            articles = articles.filter(path__startswith=scope.index.path).exclude(
                pk=scope.index.pk
            )
        articles = list(
            articles.select_related("locale")
            .defer("body")
            .order_by("-date", "-first_published_at", "-pk")[
                : get_setting("FEED_ITEMS")
            ]
        )
        return _with_links(articles, lambda a: page_html_url(a, scope.request))

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return getattr(article, "search_description", "")

    def item_link(self, article):
        return article.feed_link

    def item_pubdate(self, article):
        return timezone.make_aware(datetime.combine(article.date, time.min))

    def item_updateddate(self, article):
        return article.last_published_at

    def item_author_name(self, article):
        return article.author


class LatestArticlesAtomFeed(LatestArticlesFeed):
    """The same articles as :class:`LatestArticlesFeed`, as Atom 1.0."""

    feed_type = Atom1Feed

    def subtitle(self, scope):
        return self.description(scope)


def _with_links(items, link):
    # item_link() is given the item alone, and the feed object is shared by
    # concurrent requests: each item carries its own link instead.
    for item in items:
        item.feed_link = link(item)
    return items


def _localized(page):
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return page.localized
    return page


def _find_index(request, site, index_id):
    """The live, public page ``index_id`` of ``site`` (its translation), or 404."""
    index = get_base_page_model().objects.live().public().filter(pk=index_id).first()
    roots = [site.root_page]
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        roots += list(site.root_page.get_translations())
    if index is None or not any(index.path.startswith(r.path) for r in roots):
        raise Http404("No such page in this Site.")
    return _localized(index).specific
