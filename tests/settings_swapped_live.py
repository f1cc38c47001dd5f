"""The swapped test site as the browser tests serve it (the demo's dev settings)."""

from example_site.settings.dev import *  # noqa: F403
from tests.swapped.site_settings import swap_article_model

swap_article_model(globals())
