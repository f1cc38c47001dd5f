"""An article whose admin Preview opens the front-end (wagtail-headless-preview).

The recipe of docs/api.md, "Headless preview": the plugin's article with
``HeadlessPreviewMixin`` first among its bases.
"""

from wagtail_headless_preview.models import HeadlessPreviewMixin

from wagtail_dvt.models import ArticlePage


class HeadlessArticlePage(HeadlessPreviewMixin, ArticlePage):
    template = ArticlePage.template

    class Meta:
        verbose_name = "headless article page"
