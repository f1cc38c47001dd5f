"""Settings for bench/peer_comments.py: bench.settings plus django-comments-xtd.

Set up as django-comments-xtd's docs say: ``django.contrib.sites`` with a
``SITE_ID``, ``COMMENTS_APP`` and the two apps, xtd's first (its templates
override django-contrib-comments' ones). Confirmation emails are off, so that
a posted comment is stored at once, as wagtail-dvt's are.
"""

import os
import tempfile
from pathlib import Path

import django

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES, INSTALLED_APPS

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A database file of this run's own: other benchmarks may run meanwhile.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"wagtail_dvt_peer_{os.getpid()}.db")
    }

INSTALLED_APPS = [
    "bench.peer_site",
    *INSTALLED_APPS,
    "django.contrib.sites",
    "django_comments_xtd",
    "django_comments",
]
SITE_ID = 1
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_CONFIRM_EMAIL = False
# Three levels, as wagtail-dvt's default MAX_THREAD_DEPTH: a comment, a
# reply and a reply to it.
COMMENTS_XTD_MAX_THREAD_LEVEL = 2
# No mail leaves a benchmark (Django 6.1 configures it with MAILERS).
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ROOT_URLCONF = "bench.peer_site.urls"

# DRF pagination for xtd's list view where the site mounts it itself (xtd's
# own mount turns pagination off). Wagtail's v2 endpoints set their own.
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
