"""The plugin's background tasks (``django-tasks``, which Wagtail depends on).

Each is a thin, idempotent call into the module of its concern, taking ids.
"""

from django_tasks import task

from . import references


@task()
def update_article_references(app_label, model_name, pk):
    """Update an article's reference index entries, without its comments."""
    references.index_article(app_label, model_name, pk)
