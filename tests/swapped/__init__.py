"""A site that swaps the article model, for ``pytest --ds=tests.settings_swapped``.

``blog`` holds the site's own ``ArticlePage(ArticlePageMixin, <base page>)``
with an extra field. On Wagtail 8 the site also has a custom base page model
(``basepage``, built as Wagtail's guide shows) and its own ``home`` app.
"""
