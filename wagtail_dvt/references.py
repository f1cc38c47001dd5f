"""Wagtail's reference index for articles, without walking their reader comments.

After every save of a page, Wagtail's reference index reads each child
relation of the page, row by row, looking for references to other objects:
for an article, every reader comment. Comments reference nothing (their one
foreign key is the article itself), so that walk finds nothing and costs a
draft save of an article with 10,000 comments over five times what it costs
with 20. ``wagtail_reference_index_ignore`` on ``Comment`` cannot stop it:
Wagtail 7.4 and 8 still walk a child relation whose model is ignored.

So an article's save turns Wagtail's own update off (as its
``disable_reference_index_auto_update()`` documents) and enqueues
:func:`update_article_references` instead, which indexes the same page with
an empty ``reader_comments`` in memory: the same references, none of the rows.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.apps import apps
from django.db import transaction
from wagtail.models import ReferenceIndex

READER_COMMENTS = "reader_comments"
_NOTHING_HELD = object()


@contextmanager
def reader_comments_hidden(article):
    """Make ``article.reader_comments`` an empty in-memory list for a while.

    modelcluster reads a child relation from the database unless the page's
    cluster holds it in memory; what it held before is put back afterwards,
    so nothing is committed or lost.
    """
    cluster = article.__dict__.setdefault("_cluster_related_objects", {})
    held = cluster.pop(READER_COMMENTS, _NOTHING_HELD)
    cluster[READER_COMMENTS] = []
    try:
        yield
    finally:
        if held is _NOTHING_HELD:
            del cluster[READER_COMMENTS]
        else:
            cluster[READER_COMMENTS] = held


def auto_update_disabled() -> bool:
    """Whether the caller turned Wagtail's reference index updates off."""
    # Not importable while models load: it loads the page model.
    from wagtail.signal_handlers import reference_index_auto_update_disabled

    return getattr(reference_index_auto_update_disabled, "value", False)


@contextmanager
def references_updated_without_comments(article, *, raw=False):
    """Around an article's save: Wagtail's update off, ours enqueued after.

    Does nothing extra when the caller already turned updates off (the
    importer, fixtures) or Wagtail does not index the model.
    """
    from wagtail.signal_handlers import disable_reference_index_auto_update

    if auto_update_disabled() or not ReferenceIndex.is_indexed(type(article)):
        yield
        return
    with disable_reference_index_auto_update():
        yield
    if not raw:
        from .background import enqueue_on_commit
        from .tasks import update_article_references

        meta = article._meta
        enqueue_on_commit(
            update_article_references, meta.app_label, meta.model_name, article.pk
        )


def index_article(app_label, model_name, pk) -> None:
    """Record the article's outbound references, as Wagtail's task would."""
    model = apps.get_model(app_label, model_name)
    article = model.objects.filter(pk=pk).first()
    if article is None:
        return
    with reader_comments_hidden(article), transaction.atomic():
        ReferenceIndex.create_or_update_for_object(article)
