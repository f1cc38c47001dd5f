"""Settings for pytest and `makemigrations --check` (see pyproject.toml)."""

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False

SECRET_KEY = "wagtail-dvt-test-secret-key"  # noqa: S105

ALLOWED_HOSTS = ["*"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Keep test runs and `makemigrations --check` away from the demo database.
    DATABASES["default"]["NAME"] = ":memory:"

# tests/test_i18n.py turns on WAGTAIL_I18N_ENABLED for a bilingual site; the
# translation apps must be installed when the test database is created.
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
]
