"""The Site-wide article feeds, for a site's URLconf, before Wagtail's pages::

    path("feeds/", include("wagtail_dvt.seo.urls")),

RSS at ``feeds/articles/rss/``, Atom at ``feeds/articles/atom/``, and one
index page's articles at ``feeds/<page id>/rss/`` and ``.../atom/``. Put the
include inside ``i18n_patterns`` on a translated site, for each language's.
"""

from django.urls import path

from .feeds import LatestArticlesAtomFeed, LatestArticlesFeed

app_name = "wagtail_dvt_feeds"

urlpatterns = [
    path("articles/rss/", LatestArticlesFeed(), name="articles_rss"),
    path("articles/atom/", LatestArticlesAtomFeed(), name="articles_atom"),
    path("<int:index_id>/rss/", LatestArticlesFeed(), name="index_rss"),
    path("<int:index_id>/atom/", LatestArticlesAtomFeed(), name="index_atom"),
]
