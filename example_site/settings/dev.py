"""Local development settings: `make demo` and `manage.py runserver`."""

import os

import django

from .base import *  # noqa: F403

DEBUG = True

# Where `make demo` serves (its DEMO_HOST and DEMO_PORT), so that absolute URLs
# (the API's detail_url and html_url, links in emails) lead there. `make demo`
# also gives the default Site this hostname and port.
DEMO_HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
DEMO_PORT = int(os.environ.get("DEMO_PORT", "8000"))
WAGTAILADMIN_BASE_URL = WAGTAILAPI_BASE_URL = f"http://{DEMO_HOST}:{DEMO_PORT}"

# Insecure on purpose: this key only ever signs a local demo database.
SECRET_KEY = "django-insecure-wagtail-dvt-demo-only-do-not-deploy"  # noqa: S105

ALLOWED_HOSTS = ["127.0.0.1", "localhost", DEMO_HOST]

# Django 6.1 configures mail with MAILERS and deprecates EMAIL_BACKEND.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
