"""Settings for pytest and `makemigrations --check` (see pyproject.toml)."""

import django

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False

SECRET_KEY = "wagtail-dvt-test-secret-key"  # noqa: S105

ALLOWED_HOSTS = ["*"]

# The headless preview recipe of docs/api.md, tested in test_headless_preview.py.
INSTALLED_APPS = [
    "example_site.headless",
    "wagtail_headless_preview",
    *INSTALLED_APPS,
]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Keep test runs and `makemigrations --check` away from the demo database.
    DATABASES["default"]["NAME"] = ":memory:"

if django.VERSION >= (6, 1):
    # Django 6.1 configures mail with MAILERS (the test runner swaps each
    # backend for locmem); without it, sending mail warns that Django 2028
    # has no default mailer.
    MAILERS = {"default": {}}

# tests/test_i18n.py turns on WAGTAIL_I18N_ENABLED for a bilingual site; the
# translation apps must be installed when the test database is created.
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
]

# Tasks run where they are enqueued, after the commit, so that a test sees
# their effect at once. A site that sets no TASKS runs the plugin's tasks in a
# background thread instead (tests/test_tasks.py deletes this setting to test
# that); django_tasks_db is there for the worker test on PostgreSQL.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]
