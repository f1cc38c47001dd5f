"""Local development settings: `make demo` and `manage.py runserver`."""

import django

from .base import *  # noqa: F403

DEBUG = True

# Insecure on purpose: this key only ever signs a local demo database.
SECRET_KEY = "django-insecure-wagtail-dvt-demo-only-do-not-deploy"  # noqa: S105

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Django 6.1 configures mail with MAILERS and deprecates EMAIL_BACKEND.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
