"""Tombstones: reader comments that were deleted stay deleted.

Re-importing a document adds the comments its page lacks. Without a record
of deletions, a comment a moderator deleted (spam, say) would be "missing"
and come back. So every deletion of a comment as such (the admin's delete
view, its bulk delete, a script's ``.delete()``) leaves a
:class:`DeletedComment`: the article and a hash of the comment's entry
fingerprint (its name, minute and text when created), never the name itself.

A tombstone may also hold a keyed hash of the commenter's email address, so
that a person's data request finds it; erasure clears only that hash.
``WAGTAIL_DVT["TOMBSTONE_RETENTION_DAYS"]`` (default ``None``: forever) bounds
how long tombstones are kept; a purged tombstone no longer stops a re-import
from bringing its comment back.
"""

from datetime import timedelta

import swapper
from django.db import models
from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .conf import get_setting
from .importer.identity import entry_fingerprint, tombstone_hash

COMMENT_MODEL = "wagtail_dvt.Comment"
_EMAIL_HASH_SALT = "wagtail_dvt.tombstones.email"


class DeletedComment(models.Model):
    """A reader comment that was deleted and must not be imported again."""

    page = models.ForeignKey(
        swapper.get_model_name("wagtail_dvt", "ArticlePage"),
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("page"),
    )
    entry_hash = models.CharField(_("entry hash"), max_length=64)
    email_hash = models.CharField(_("email hash"), max_length=64, blank=True)
    # Written by the first import after an upgrade from 0.1.x for a document
    # comment the article lacked: nobody knows whether a moderator deleted
    # it, so it counts as deleted, and ``import_article --restore-missing``
    # may bring it back.
    missing_since_upgrade = models.BooleanField(
        _("missing since the upgrade"), default=False
    )
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now)

    class Meta:
        verbose_name = _("deleted reader comment")
        verbose_name_plural = _("deleted reader comments")
        ordering = ["-deleted_at", "-pk"]
        indexes = [
            models.Index(
                fields=["page", "entry_hash"], name="wagtail_dvt_deleted_entry"
            ),
            models.Index(fields=["email_hash"], name="wagtail_dvt_deleted_email"),
        ]

    def __str__(self):
        return f"Comment deleted on {self.deleted_at:%Y-%m-%d %H:%M}"


def email_hash(email: str) -> str:
    """A keyed hash of an email address, for a person's data request.

    Keyed (an unkeyed hash of an address is easily reversed by guessing);
    after a ``SECRET_KEY`` rotation, old hashes are no longer found by
    address, which stops no tombstone from working.
    """
    normalized = email.strip().lower()
    return salted_hmac(_EMAIL_HASH_SALT, normalized, algorithm="sha256").hexdigest()


def tombstone_for(comment) -> DeletedComment:
    """The (unsaved) tombstone of ``comment``."""
    fingerprint = comment.entry_fingerprint or entry_fingerprint(
        comment.author_name, comment.posted_at, comment.body
    )
    return DeletedComment(
        page_id=comment.page_id,
        entry_hash=tombstone_hash(fingerprint),
        email_hash=(
            email_hash(comment.email)
            if comment.email and get_setting("TOMBSTONE_EMAIL_HASH")
            else ""
        ),
    )


def expired_tombstones(now=None) -> QuerySet:
    """Tombstones older than ``TOMBSTONE_RETENTION_DAYS``; none if it is ``None``."""
    days = get_setting("TOMBSTONE_RETENTION_DAYS")
    if days is None:
        return DeletedComment.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return DeletedComment.objects.filter(deleted_at__lt=cutoff)


def purge_expired_tombstones() -> int:
    """Delete the tombstones past their retention; return how many."""
    deleted, _by_model = expired_tombstones().delete()
    return deleted


def _deletes_comments_as_such(origin, comment_model) -> bool:
    """Whether a deletion started from comments, not from their page.

    Deleting a page cascades to its comments; a tombstone written then would
    point at the page being deleted, and there is nothing left to protect.
    """
    if isinstance(origin, comment_model):
        return True
    return isinstance(origin, QuerySet) and issubclass(origin.model, comment_model)


@receiver(post_delete, sender=COMMENT_MODEL, dispatch_uid="wagtail_dvt_tombstone")
def remember_deleted_comment(sender, instance, origin=None, **kwargs):
    if _deletes_comments_as_such(origin, sender):
        tombstone_for(instance).save()
