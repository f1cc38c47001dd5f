"""docs/api.md's headless preview recipe on a site with its own article model.

The default ``ArticlePage`` is swapped out there (it has no table), so the
mixin goes on the site's own article model: here a subclass of it, so that
the rest of the swapped suite keeps the template preview.
"""

from wagtail_headless_preview.models import HeadlessPreviewMixin

from tests.swapped.blog.models import ArticlePage


class HeadlessArticlePage(HeadlessPreviewMixin, ArticlePage):
    template = "wagtail_dvt/article_page.html"

    class Meta:
        verbose_name = "headless article page"
