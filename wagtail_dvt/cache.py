"""Front-end cache purges and ``comments_changed`` when an article's comments
change.

Wagtail's ``frontend_cache`` purges a page when it is published, not when a
moderator approves, rejects, edits or deletes a reader comment, nor the API
URLs a headless front-end reads. Here, every such change purges, through the
site's ``WAGTAILFRONTENDCACHE`` backends, each affected article's page URLs
and its comment pages, its API v2 and v3 detail URLs, and the first page of
its comments listings as ``comments_url`` gives them. Listings under other
query strings cannot be listed: backends that purge by surrogate key
(``purge_tags``) or by prefix (``purge_prefixes``, see
:mod:`wagtail_dvt.frontend_cache`) are asked to purge the article's keys or
paths too. It also sends :data:`~wagtail_dvt.signals.comments_changed`.

Both run as tasks (:mod:`wagtail_dvt.tasks`), one of each per article per
transaction, enqueued once it commits and never run in a reader's request
(:mod:`wagtail_dvt.background`): a CDN that is slow to answer holds a worker,
not the reader.
"""

from __future__ import annotations

import logging
from math import ceil

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.urls import NoReverseMatch, reverse
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .api_fields import V3_COMMENTS_LISTING, V3_PAGE_DETAIL
from .conditional import ALL_COMMENTS_TAG, article_tag
from .conf import get_setting
from .models import (
    COMMENTS_PAGE_PARAMETER,
    ArticlePageMixin,
    Comment,
    CommentStatus,
    get_article_model,
)
from .signals import comments_changed
from .versions import record_change

logger = logging.getLogger(__name__)

#: URL names of the v2 API routes an article is read from, as ``docs/api.md``
#: registers them: Wagtail's v2 router named "wagtailapi" with the "pages" and
#: "comments" endpoints. The v3 names are the API fields'.
V2_PAGE_DETAIL = "wagtailapi:pages:detail"
V2_COMMENTS_LISTING = "wagtailapi:comments:listing"


def _reverse(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def api_urls(article) -> list[str]:
    """The article's API URLs a front-end cache may hold.

    Its v2 and v3 details and the first page of its v2 and v3 comments
    listings (``?article=<id>``, the article's ``comments_url``), absolute on
    ``WAGTAILAPI_BASE_URL``, or on the article's Site without it.
    """
    base = getattr(settings, "WAGTAILAPI_BASE_URL", None)
    if not base:
        site = article.get_site()
        base = site.root_url if site else ""
    paths = [_reverse(V2_PAGE_DETAIL, pk=article.pk)]
    listings = [_reverse(V2_COMMENTS_LISTING)]
    if WAGTAIL_VERSION >= (8, 0):
        paths.append(_reverse(V3_PAGE_DETAIL, page_id=article.pk))
        listings.append(_reverse(V3_COMMENTS_LISTING))
    paths += [f"{path}?article={article.pk}" for path in listings if path]
    return [base.rstrip("/") + path for path in paths if path]


def comment_page_urls(article, page_urls) -> list[str]:
    """Each comment page of the article's ``page_urls`` (plus one past the
    last, which a rejection or deletion may just have emptied)."""
    last = max(1, ceil(article.comment_count / get_setting("COMMENTS_PER_PAGE")))
    return [
        f"{url}?{COMMENTS_PAGE_PARAMETER}={number}"
        for url in page_urls
        for number in range(1, last + 2)
    ]


def article_cache_urls(article, *, include_pages=True) -> list[str]:
    """Every URL that shows the article's comments: its pages, comment pages
    and API URLs; without ``include_pages``, not the URLs Wagtail purges
    itself when a page is published."""
    from wagtail.contrib.frontend_cache.utils import _get_page_cached_urls

    pages = _get_page_cached_urls(article)
    return [
        *(pages if include_pages else []),
        *comment_page_urls(article, pages),
        *api_urls(article),
    ]


def article_cache_tags(article) -> list[str]:
    """The surrogate keys of every API read that shows the article's comments."""
    return [article_tag(article.pk), ALL_COMMENTS_TAG]


def api_prefixes(article) -> list[str]:
    """URLs under which every cached API read of the article lies, whatever
    its query string: its details and the comment listings."""
    return [url.partition("?")[0] for url in api_urls(article)]


def purge_articles(articles, *, include_pages=True) -> set[str]:
    """Purge the articles' URLs through the frontend cache backends, in one batch.

    Then asks each backend that can to purge the articles' surrogate keys,
    or else their URL prefixes. Does nothing (and computes nothing) when no
    backend is configured. Returns the URLs purged.
    """
    from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends

    backends = get_backends()
    if not backends:
        return set()
    batch = PurgeBatch()
    tags, prefixes = [], []
    for article in articles:
        batch.add_urls(article_cache_urls(article, include_pages=include_pages))
        tags += article_cache_tags(article)
        prefixes += api_prefixes(article)
    batch.purge()
    tags, prefixes = sorted(set(tags)), sorted(set(prefixes))
    for backend in backends.values():
        if hasattr(backend, "purge_tags"):
            backend.purge_tags(tags)
        elif hasattr(backend, "purge_prefixes"):
            backend.purge_prefixes(prefixes)
    return batch.urls


def purge_article(article_id, *, include_pages=True) -> None:
    """Purge one article's cached URLs and keys; nothing if it is gone."""
    article = get_article_model().objects.filter(pk=article_id).first()
    if article is None:
        return
    try:
        purge_articles([article], include_pages=include_pages)
    except Exception:
        logger.exception("Could not purge the front-end cache of %s", article)


def announce_article(article_id) -> None:
    """Send ``comments_changed`` for one article; a failing receiver is logged."""
    article = get_article_model().objects.filter(pk=article_id).first()
    if article is None:
        return
    for receiver, result in comments_changed.send_robust(
        sender=type(article), article=article
    ):
        if isinstance(result, Exception):
            logger.error(
                "comments_changed receiver %r failed for article %s",
                receiver,
                article.pk,
                exc_info=result,
            )


class _ChangedArticles:
    """The ids of articles changed in one transaction, handed on once at commit."""

    def __init__(self):
        self.ids = set()
        self.flushed = False

    def flush(self):
        from .background import dispatch
        from .tasks import announce_comments_changed, purge_article_cache

        self.flushed = True
        ids, self.ids = sorted(self.ids), set()
        for article_id in ids:
            for task_ in (purge_article_cache, announce_comments_changed):
                try:
                    dispatch(task_, article_id)
                except Exception:
                    logger.exception("Could not enqueue %s(%s)", task_.name, article_id)


def articles_changed(article_ids, using=None) -> None:
    """Purge and signal the articles with ``article_ids`` when the transaction
    commits: once per article, however many changes the transaction makes."""
    article_ids = {pk for pk in article_ids if pk is not None}
    if not article_ids:
        return
    # The reads' validators change with the change itself, not after it.
    record_change(article_ids, using)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        batch = _ChangedArticles()
        batch.ids.update(article_ids)
        batch.flush()
        return
    batch = getattr(connection, "_wagtail_dvt_changed_articles", None)
    # A batch whose callback a rollback discarded must not swallow new ids.
    pending = (
        batch is not None
        and not batch.flushed
        and any(entry[1] == batch.flush for entry in connection.run_on_commit)
    )
    if not pending:
        batch = _ChangedArticles()
        connection._wagtail_dvt_changed_articles = batch
        transaction.on_commit(batch.flush, using=using)
    batch.ids.update(article_ids)


def _comment_saved(sender, instance, created, using, update_fields=None, **kwargs):
    was_public = instance._loaded_status == CommentStatus.APPROVED
    if created:
        was_public = False
    elif instance._loaded_status is None:
        was_public = True  # Loaded without its status: assume the worst.
    if was_public or instance.status == CommentStatus.APPROVED:
        articles_changed([instance.page_id], using)


def _comment_deleted(sender, instance, using, **kwargs):
    if instance.__dict__.get("status", CommentStatus.APPROVED) == (
        CommentStatus.APPROVED
    ):
        articles_changed([instance.page_id], using)


def _article_saving(sender, instance, update_fields=None, **kwargs):
    # Saving a revision writes only its own columns; comments_open goes live
    # with a publish, which saves the whole page.
    if not isinstance(instance, ArticlePageMixin):
        return
    instance._wagtail_dvt_comments_toggled = False
    if instance.pk is None or (
        update_fields is not None and "comments_open" not in update_fields
    ):
        return
    stored = (
        type(instance)
        .objects.filter(pk=instance.pk)
        .values_list("comments_open", flat=True)
        .first()
    )
    instance._wagtail_dvt_comments_toggled = (
        stored is not None and stored != instance.comments_open
    )


def _article_saved(sender, instance, using, **kwargs):
    if getattr(instance, "_wagtail_dvt_comments_toggled", False):
        instance._wagtail_dvt_comments_toggled = False
        articles_changed([instance.pk], using)


def _article_published(sender, instance, **kwargs):
    # Wagtail purges the page URLs itself; comment pages and the API's are ours.
    if isinstance(instance, ArticlePageMixin):
        from .background import enqueue_on_commit
        from .tasks import purge_article_cache

        record_change([instance.pk])
        enqueue_on_commit(purge_article_cache, instance.pk, False)


def _pages_moved_or_restricted(sender, instance, **kwargs):
    # A move changes the URLs of the page and every article under it; a view
    # restriction, whether the reads show them at all.
    page = getattr(instance, "page", instance)
    if page is None or not getattr(page, "path", None):
        return
    record_change(
        get_article_model()
        .objects.filter(path__startswith=page.path)
        .values_list("pk", flat=True)
    )


def connect():
    """Connect the receivers; called once from ``AppConfig.ready()``."""
    post_save.connect(_comment_saved, sender=Comment, dispatch_uid="wagtail_dvt_cs")
    post_delete.connect(_comment_deleted, sender=Comment, dispatch_uid="wagtail_dvt_cd")
    # Receivers for the concrete article model and any subclass of it.
    pre_save.connect(_article_saving, dispatch_uid="wagtail_dvt_as")
    post_save.connect(_article_saved, dispatch_uid="wagtail_dvt_ad")
    page_published.connect(_article_published, dispatch_uid="wagtail_dvt_ap")
    page_unpublished.connect(_article_published, dispatch_uid="wagtail_dvt_au")
    post_page_move.connect(_pages_moved_or_restricted, dispatch_uid="wagtail_dvt_pm")
    for signal in (post_save, post_delete):
        signal.connect(
            _pages_moved_or_restricted,
            sender=PageViewRestriction,
            dispatch_uid=f"wagtail_dvt_vr_{signal is post_save}",
        )
