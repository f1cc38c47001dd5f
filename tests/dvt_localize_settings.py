"""The test settings with wagtail-localize in place of simple_translation."""

from example_site.settings.test import *  # noqa: F403
from example_site.settings.test import INSTALLED_APPS

INSTALLED_APPS = [
    app
    for app in INSTALLED_APPS
    if app not in {"wagtail.locales", "wagtail.contrib.simple_translation"}
] + ["wagtail_localize", "wagtail_localize.locales"]
WAGTAIL_I18N_ENABLED = True
LANGUAGE_CODE = "en"
LANGUAGES = WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "French")]
