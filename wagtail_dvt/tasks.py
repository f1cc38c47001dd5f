"""The plugin's tasks, for Django's Tasks framework: thin calls into each concern.

Through the ``django_tasks`` backport, on every supported Django, as Wagtail's
own ``wagtail/tasks.py`` does: on Django 6 too, ``TASKS`` names backends of
``django_tasks`` (``django_tasks.backends.immediate.ImmediateBackend`` by
default, or a worker's such as ``django_tasks_db``). Each task takes ids, never
objects, and is idempotent, so that a worker may retry it. Each is enqueued
through :func:`wagtail_dvt.background.enqueue_on_commit`, which never runs it
in a reader's request, whatever the backend.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_moderator_notifications(batch_id: int | None = None) -> None:
    """Email moderators the waiting comments, if a batch is due; retry a failure.

    With ``batch_id``: watch that batch's sender, and resume the batch if
    the sender died (its lease ended).
    """
    from .comments.notifications import run_batch

    run_batch(batch_id)


@task()
def send_reply_notifications(batch_id: int | None = None) -> None:
    """Email readers who opted in about new replies; retry a failure.

    With ``batch_id``: watch that address's batch's sender, and resume the
    batch if the sender died (its lease ended).
    """
    from .comments.reply_notifications import run_reply_batch

    run_reply_batch(batch_id)


@task()
def purge_article_cache(article_id: int, include_pages: bool = True) -> None:
    """Purge what the front-end cache holds of an article and its comments."""
    from .cache import purge_article

    purge_article(article_id, include_pages=include_pages)


@task()
def announce_comments_changed(article_id: int) -> None:
    """Send ``comments_changed`` for an article to the site's receivers."""
    from .cache import announce_article

    announce_article(article_id)


@task()
def update_article_references(app_label, model_name, pk):
    """Update an article's reference index entries, without its comments."""
    from . import references

    references.index_article(app_label, model_name, pk)


@task()
def run_import_job(job_id: str) -> None:
    """Import the documents of a confirmed admin upload."""
    from .importer.job_runner import run_job

    run_job(job_id)


@task()
def prune_personal_data() -> None:
    """Clear IP addresses and user agents past ``IP_RETENTION_DAYS``, delete
    data requests past ``PERSONAL_DATA_REQUEST_RETENTION_DAYS`` and the
    records of expired comment tokens."""
    from .privacy.retention import prune_personal_data as prune

    prune()


@task()
def send_personal_data_confirmation(request_id: int) -> None:
    """Email a data request's person the link that confirms it."""
    from .privacy.links import send_confirmation

    send_confirmation(request_id)


@task()
def send_personal_data_export_link(request_id: int, user_id: int | None = None) -> None:
    """Email an export request's person the link to their data; it completes."""
    from .privacy.links import send_export_link

    send_export_link(request_id, user_id)
