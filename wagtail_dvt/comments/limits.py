"""The posting limits' state: when each client last posted, and spent tokens.

Kept in the database, so the limits hold across worker processes, and written
inside :func:`~wagtail_dvt.comments.admission.submit_comment`'s transaction,
so a post refused later in that transaction changes neither.

Each limit is one statement that both checks and records, under a unique key,
so that concurrent posts cannot all pass a check made before any of them
wrote:

- :func:`claim_flood_slot` upserts the client's row only if its last post is
  older than the interval (``INSERT ... ON CONFLICT DO UPDATE ... WHERE``); a
  second post waits for the first's row lock, then sees its time.
- :func:`spend_token` inserts the token's digest (``ON CONFLICT DO NOTHING``);
  a token already spent inserts nothing.

PostgreSQL and SQLite (3.35+) share that SQL; other databases take the
equivalent ORM path, with a row lock.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting

#: The flood key of every client whose address is unknown (a UNIX socket, a
#: proxy header with too few entries): they share one interval, so the limit
#: fails closed instead of switching off.
UNKNOWN_CLIENT = ""

_UPSERT_VENDORS = ("postgresql", "sqlite")


class PostingClient(models.Model):
    """When a client address last posted a comment, accepted or not shown.

    One row per address (``""`` for every unknown one), rewritten by each
    post that passes the flood limit.
    """

    address = models.CharField(_("client address"), max_length=64, primary_key=True)
    last_posted_at = models.DateTimeField(_("last posted at"))

    class Meta:
        verbose_name = _("posting client")
        default_permissions = ()

    def __str__(self):
        return f"{self.address or 'unknown address'}: {self.last_posted_at}"


class SpentCommentToken(models.Model):
    """A comment token (of the page's form or of the API) that served a comment.

    Stored as a SHA-256 of the token; rows older than ``FORM_TOKEN_MAX_AGE``
    describe expired tokens and may be deleted (:func:`purge_spent_tokens`).
    """

    digest = models.CharField(_("token digest"), max_length=64, primary_key=True)
    spent_at = models.DateTimeField(_("spent at"), db_index=True)

    class Meta:
        verbose_name = _("spent comment token")
        default_permissions = ()

    def __str__(self):
        return f"Token {self.digest[:12]}… spent at {self.spent_at}"


def _db_time(moment):
    """``moment`` as the ORM stores it: SQLite compares the stored text."""
    return connection.ops.adapt_datetimefield_value(moment)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def claim_flood_slot(address: str | None, now, interval: int) -> int:
    """Record a post by ``address`` at ``now``; 0, or the seconds to wait.

    ``address`` ``None`` (unknown) counts as :data:`UNKNOWN_CLIENT`. Nothing
    is recorded when the answer is not 0. Call it inside a transaction.
    """
    key = UNKNOWN_CLIENT if address is None else address
    cutoff = now - timedelta(seconds=interval)
    if connection.vendor in _UPSERT_VENDORS:
        table = connection.ops.quote_name(PostingClient._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (address, last_posted_at) VALUES (%s, %s) "  # noqa: S608 - a model's table name
                "ON CONFLICT (address) DO UPDATE SET last_posted_at = "
                f"excluded.last_posted_at WHERE {table}.last_posted_at <= %s "
                "RETURNING address",
                [key, _db_time(now), _db_time(cutoff)],
            )
            if cursor.fetchone() is not None:
                return 0
    else:
        row = PostingClient.objects.select_for_update().filter(address=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    PostingClient.objects.create(address=key, last_posted_at=now)
                return 0
            except IntegrityError:
                row = PostingClient.objects.select_for_update().get(address=key)
        if row.last_posted_at <= cutoff:
            PostingClient.objects.filter(address=key).update(last_posted_at=now)
            return 0
    last = PostingClient.objects.get(address=key).last_posted_at
    return max(1, math.ceil(interval - (now - last).total_seconds()))


def spend_token(token: str, now) -> bool:
    """Record ``token`` as spent at ``now``; False if it already was.

    Call it inside the transaction that stores the comment: if that rolls
    back, the token stays unspent.
    """
    digest = token_digest(token)
    if connection.vendor in _UPSERT_VENDORS:
        table = connection.ops.quote_name(SpentCommentToken._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (digest, spent_at) VALUES (%s, %s) "  # noqa: S608 - a model's table name
                "ON CONFLICT (digest) DO NOTHING RETURNING digest",
                [digest, _db_time(now)],
            )
            return cursor.fetchone() is not None
    try:
        with transaction.atomic():
            SpentCommentToken.objects.create(digest=digest, spent_at=now)
    except IntegrityError:
        return False
    return True


def purge_spent_tokens(before) -> int:
    """Delete the records of tokens spent before ``before``; how many went."""
    deleted, _by_model = SpentCommentToken.objects.filter(spent_at__lt=before).delete()
    return deleted


def purge_expired_tokens(now=None) -> int:
    """Delete the records of spent tokens that have expired since.

    A token is spent after it is made, so one spent more than
    ``FORM_TOKEN_MAX_AGE`` ago is refused for its age alone: its record
    guards nothing any more.
    """
    max_age = timedelta(seconds=get_setting("FORM_TOKEN_MAX_AGE"))
    return purge_spent_tokens((now or timezone.now()) - max_age)
