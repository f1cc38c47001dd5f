"""The plugin's tasks, for Django's Tasks framework: thin calls into each concern.

Through the ``django_tasks`` backport, on every supported Django, as Wagtail's
own ``wagtail/tasks.py`` does: on Django 6 too, ``TASKS`` names backends of
``django_tasks`` (``django_tasks.backends.immediate.ImmediateBackend`` by
default, or a worker's such as ``django_tasks_db``). Each task takes ids, never
objects, and is idempotent, so that a worker may retry it.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import task


def enqueue_on_commit(task_, *args, **kwargs) -> None:
    """Enqueue ``task_`` once the current transaction commits, or at once.

    A worker must not look for rows that are not committed yet, and nothing is
    enqueued for a transaction that rolls back.
    """
    transaction.on_commit(partial(task_.enqueue, *args, **kwargs))


@task()
def run_import_job(job_id: str) -> None:
    """Import the documents of a confirmed admin upload."""
    from .importer.job_runner import run_job

    run_job(job_id)
