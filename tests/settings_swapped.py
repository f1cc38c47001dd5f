"""The test settings of a site with its own article model.

``pytest --ds=tests.settings_swapped`` runs the whole suite against it. The
site swaps in ``blog.ArticlePage`` (the plugin's article plus a field); on
Wagtail 8 it is also built on a custom base page model, as Wagtail's guide
"Defining custom base page models" shows, with the demo's home app rebased.
"""

from wagtail import VERSION as WAGTAIL_VERSION

from example_site.settings.base import PROJECT_DIR
from example_site.settings.test import *  # noqa: F403
from example_site.settings.test import INSTALLED_APPS, TEMPLATES

WAGTAIL_DVT_ARTICLEPAGE_MODEL = "blog.ArticlePage"

if WAGTAIL_VERSION >= (8, 0):
    WAGTAIL_PAGE_MODEL = "basepage.SitePage"
    # The demo's home app subclasses wagtail.models.Page, which this site
    # replaced: its HomePage comes from tests.swapped.home instead.
    INSTALLED_APPS = [
        "tests.swapped.basepage",
        "tests.swapped.home",
        "tests.swapped.blog",
        *(app for app in INSTALLED_APPS if app != "example_site.home"),
    ]
    TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], PROJECT_DIR / "home" / "templates"]
else:
    INSTALLED_APPS = ["tests.swapped.blog", *INSTALLED_APPS]
