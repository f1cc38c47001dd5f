"""Settings of the ``db_worker`` process that tests/test_tasks.py starts.

The test settings, on the test's own database, with django-tasks-db as the
tasks backend, the test's SMTP server and the test's ``WAGTAIL_DVT``, all
passed in the environment.
"""

import json
import os

from example_site.settings.test import *  # noqa: F403
from example_site.settings.test import DATABASES
from tests.smtp_servers import mail_settings

DATABASES["default"]["NAME"] = os.environ["WAGTAIL_DVT_WORKER_DB"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WAGTAIL_DVT = json.loads(os.environ["WAGTAIL_DVT_WORKER_SETTINGS"])
globals().update(mail_settings(int(os.environ["WAGTAIL_DVT_WORKER_SMTP_PORT"]), 30))
