"""Settings of the worker process that tests/test_tasks.py starts.

The settings the tests run with (the demo's, or the swapped-model site's), on
the test's own database, with django-tasks-db as the tasks backend (or RQ,
when the test names a Redis server), the test's SMTP server and the test's
``WAGTAIL_DVT``, all passed in the environment.
"""

import importlib
import json
import os

from tests.smtp_servers import mail_settings

_base = importlib.import_module(os.environ["WAGTAIL_DVT_WORKER_BASE_SETTINGS"])
globals().update((name, value) for name, value in vars(_base).items() if name.isupper())
DATABASES["default"]["NAME"] = os.environ["WAGTAIL_DVT_WORKER_DB"]  # noqa: F821
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if redis_url := os.environ.get("WAGTAIL_DVT_WORKER_REDIS_URL"):
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]  # noqa: F821
    RQ_QUEUES = {"default": {"URL": redis_url}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
WAGTAIL_DVT = json.loads(os.environ["WAGTAIL_DVT_WORKER_SETTINGS"])
globals().update(mail_settings(int(os.environ["WAGTAIL_DVT_WORKER_SMTP_PORT"]), 30))
