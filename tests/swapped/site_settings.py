"""What the swapped test site changes in a settings module's names."""

from wagtail import VERSION as WAGTAIL_VERSION

from example_site.settings.base import PROJECT_DIR


def swap_article_model(namespace):
    """Swap in ``blog.ArticlePage``; on Wagtail 8, on a custom base page model.

    The demo's home app subclasses ``wagtail.models.Page``, which a custom
    base page model replaces: its HomePage then comes from tests.swapped.home.
    """
    namespace["WAGTAIL_DVT_ARTICLEPAGE_MODEL"] = "blog.ArticlePage"
    # The headless preview recipe's app subclasses the default ArticlePage; a
    # site that swaps puts HeadlessPreviewMixin on its own model instead.
    apps = [
        app if app != "example_site.headless" else "tests.swapped.headless"
        for app in namespace["INSTALLED_APPS"]
    ]
    if WAGTAIL_VERSION >= (8, 0):
        namespace["WAGTAIL_PAGE_MODEL"] = "basepage.SitePage"
        namespace["INSTALLED_APPS"] = [
            "tests.swapped.basepage",
            "tests.swapped.home",
            "tests.swapped.blog",
            *(app for app in apps if app != "example_site.home"),
        ]
        templates = namespace["TEMPLATES"][0]
        templates["DIRS"] = [*templates["DIRS"], PROJECT_DIR / "home" / "templates"]
    else:
        namespace["INSTALLED_APPS"] = ["tests.swapped.blog", *apps]
