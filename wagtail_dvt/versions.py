"""When what the reads show of an article last changed: one row per article.

Conditional GETs need a validator that is cheap to read and that changes
with every change a reader could see: a comment approved, rejected, edited,
deleted or answered (a parent's ``reply_count``), a publish or unpublish, a
move, a view restriction. Hashing the rows a read shows catches all of that,
but only after reading them; a timestamp computed from the comments cannot
(a deletion lowers ``max(posted_at)``). So every such change records the
time here, in the transaction that makes it (:func:`record_change`, called
by :func:`wagtail_dvt.cache.articles_changed`, which every write path of
comments already calls), and the reads validate with one indexed row:
``ETag`` and ``Last-Modified`` both (see :mod:`wagtail_dvt.conditional`).

Rows are keyed by the article's id without a foreign key, so a row never
blocks or follows a page's deletion (a deleted article's row is harmless),
and :data:`ANY_ARTICLE` is the row of unfiltered comment listings.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

#: The ``article_id`` of the row that changes with every article's.
ANY_ARTICLE = 0


class ArticleChange(models.Model):
    """When the public comments or the live state of an article last changed."""

    article_id = models.BigIntegerField(_("article id"), unique=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("article change")
        verbose_name_plural = _("article changes")
        default_permissions = ()

    def __str__(self):
        return f"Article {self.article_id} changed at {self.changed_at}"


def record_change(article_ids, using=None) -> None:
    """Record that the articles with ``article_ids`` (and so any article) changed.

    One upsert, in the caller's transaction: the new time commits with the
    change, or not at all.
    """
    ids = {int(pk) for pk in article_ids if pk is not None}
    if not ids:
        return
    now = timezone.now()
    ArticleChange.objects.using(using).bulk_create(
        [ArticleChange(article_id=pk, changed_at=now) for pk in sorted(ids)]
        + [ArticleChange(article_id=ANY_ARTICLE, changed_at=now)],
        update_conflicts=True,
        unique_fields=["article_id"],
        update_fields=["changed_at"],
    )


def changed_at(article_id):
    """When the article (``ANY_ARTICLE``: any) last changed; ``None`` if never.

    Asked on every read, so in plain SQL: building the ORM's query for one
    indexed row costs several times running it.
    """
    connection = connections[router.db_for_read(ArticleChange)]
    table = connection.ops.quote_name(ArticleChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT changed_at FROM {table} WHERE article_id = %s",  # noqa: S608
            [article_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    value = row[0]
    if isinstance(value, str):  # SQLite
        value = parse_datetime(value)
    if settings.USE_TZ and timezone.is_naive(value):  # UTC, in a column without zone
        value = value.replace(tzinfo=UTC)
    return value


def source_change(page) -> tuple[int, object]:
    """``(source id, changed_at)`` of the comments ``page`` shows: its own, or
    an alias's source article's. Read once per page object, as the detail's
    validators and its embedded comments both ask."""
    from .models import comments_source_id

    known = getattr(page, "_wagtail_dvt_source_change", None)
    if known is None:
        source_id = comments_source_id(page)
        known = (source_id, changed_at(source_id))
        page._wagtail_dvt_source_change = known
    return known
