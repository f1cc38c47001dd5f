"""The test settings of a site with its own article model.

``pytest --ds=tests.settings_swapped`` runs the whole suite against it. The
site swaps in ``blog.ArticlePage`` (the plugin's article plus a field); on
Wagtail 8 it is also built on a custom base page model, as Wagtail's guide
"Defining custom base page models" shows, with the demo's home app rebased.
"""

from example_site.settings.test import *  # noqa: F403
from tests.swapped.site_settings import swap_article_model

swap_article_model(globals())

# The same site as the browser tests' live server runs it.
WAGTAIL_DVT_TEST_LIVE_SETTINGS = "tests.settings_swapped_live"
