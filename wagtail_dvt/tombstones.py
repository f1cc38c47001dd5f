"""Tombstones: reader comments that a moderator deleted stay deleted.

Re-importing a document adds the comments its page lacks. Without a record
of deletions, a comment a moderator deleted (spam, say) would be "missing"
and come back. So every deletion of a comment as such (the admin's delete
view, its bulk delete, the page editor's formset, a script's ``.delete()``)
leaves a :class:`DeletedComment` keyed as re-import matches comments: the
page, the author's name and the time, to the minute.
"""

import swapper
from django.db import models
from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COMMENT_MODEL = "wagtail_dvt.Comment"


class DeletedComment(models.Model):
    """A reader comment that was deleted and must not be imported again."""

    page = models.ForeignKey(
        swapper.get_model_name("wagtail_dvt", "ArticlePage"),
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("page"),
    )
    author_name = models.CharField(_("name"), max_length=255)
    posted_at = models.DateTimeField(_("posted at"))
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now)

    class Meta:
        verbose_name = _("deleted reader comment")
        verbose_name_plural = _("deleted reader comments")
        indexes = [
            models.Index(
                fields=["page", "author_name", "posted_at"],
                name="wagtail_dvt_deleted_key",
            )
        ]

    def __str__(self):
        return f"{self.author_name} on {self.posted_at:%Y-%m-%d %H:%M} (deleted)"


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
        DeletedComment.objects.create(
            page_id=instance.page_id,
            author_name=instance.author_name,
            posted_at=instance.posted_at,
        )
