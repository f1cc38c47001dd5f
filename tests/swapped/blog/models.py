from django.db import models
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.admin.panels import FieldPanel

from wagtail_dvt.models import ArticlePageMixin

if WAGTAIL_VERSION >= (8, 0):
    from tests.swapped.basepage.models import SitePage
else:
    from wagtail.models import Page as SitePage


class ArticlePage(ArticlePageMixin, SitePage):
    """The site's own article model: the plugin's article plus a hero caption."""

    hero_caption = models.CharField(max_length=255, blank=True)

    content_panels = ArticlePageMixin.content_panels + [FieldPanel("hero_caption")]
    search_fields = SitePage.search_fields + ArticlePageMixin.article_search_fields
