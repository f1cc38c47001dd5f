"""Every kind of record that holds a person's data, found by email address.

A source exports the records of an address as plain dicts, and erases what in
them identifies the person. :data:`SOURCES` lists them in export order;
export, erasure, the admin view and the command read that list only. A
feature that stores addresses adds a source there: reports (the reporter's
address, and the report's link to its reporter), reply opt-ins (deleted on
erasure), and an account link on comments (see
:meth:`CommentSource.queryset`).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from ..conf import get_setting
from ..models import Comment
from ..tombstones import DeletedComment, email_hash

#: What an erased comment is signed with, and, with ``ERASURE_REPLACES_TEXT``,
#: what it then reads. Stored as is: the site's readers share one language.
ANONYMOUS_NAME = "Anonymous"
REMOVED_TEXT = "This comment was removed"

#: The audit log action of an erasure (registered in ``wagtail_hooks.py``).
ERASE_ACTION = "wagtail_dvt.erase_personal_data"

#: The fields an erasure writes on a comment; ``fingerprint`` (name and text,
#: for the duplicate check) is recomputed from the anonymised values.
#: ``entry_fingerprint`` stays: re-import still knows the comment, and never
#: adds it back under its old name.
ERASED_COMMENT_FIELDS = [
    "author_name",
    "body",
    "email",
    "ip_address",
    "user_agent",
    "fingerprint",
]


class PersonalDataSource:
    """One kind of record holding people's data."""

    #: The key of its records in an export, and their kind in a CSV row.
    key = ""
    label = ""

    def export(self, email: str) -> list[dict]:
        """The records of ``email``, as JSON-ready dicts."""
        raise NotImplementedError

    def erase(self, email: str, *, user=None) -> int:
        """Erase what identifies ``email`` in its records; how many changed.

        Called inside the erasure's transaction.
        """
        raise NotImplementedError


class CommentSource(PersonalDataSource):
    """Reader comments written with the address, on every Site."""

    key = "comments"
    label = _("Comments")

    def queryset(self, email):
        # Once comments link to accounts, add ``| Q(user__email__iexact=email)``
        # here, and clear the link in anonymise().
        return Comment.objects.filter(email__iexact=email)

    def export(self, email):
        comments = self.queryset(email).select_related("page").order_by("posted_at")
        return [
            {
                "id": comment.pk,
                "article": comment.page.title,
                "article_url": comment.page.get_full_url(),
                "posted_at": comment.posted_at.isoformat(),
                "name": comment.author_name,
                "text": comment.body,
                "status": comment.status,
                "email": comment.email,
                "ip_address": comment.ip_address or "",
                "user_agent": comment.user_agent,
            }
            for comment in comments
        ]

    def erase(self, email, *, user=None):
        comments = list(self.queryset(email).select_for_update().order_by("pk"))
        for comment in comments:
            forgotten = anonymise(comment) | {email}
            comment.save(update_fields=ERASED_COMMENT_FIELDS)
            clean_log_entries(comment, forgotten)
            log(instance=comment, action=ERASE_ACTION, user=user)
        return len(comments)


def anonymise(comment) -> set[str]:
    """Anonymise ``comment`` in memory; return the values it no longer holds.

    Its place in the conversation (page, time, status, and thread fields
    once they exist) stays, so replies still read in order.
    """
    forgotten = {comment.author_name, comment.email, comment.user_agent}
    forgotten.add(comment.ip_address or "")
    comment.author_name = ANONYMOUS_NAME
    if get_setting("ERASURE_REPLACES_TEXT"):
        forgotten.add(comment.body)
        comment.body = REMOVED_TEXT
    comment.email = ""
    comment.ip_address = None
    comment.user_agent = ""
    return {value for value in forgotten if value and value != ANONYMOUS_NAME}


def clean_log_entries(comment, forgotten: set[str]) -> None:
    """Rewrite the audit log entries of ``comment`` without ``forgotten``.

    Wagtail labels each entry with the comment as it was (its name and
    time); any value in an entry's data that holds erased data is emptied.
    """
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Comment),
            object_id=str(comment.pk),
        )
    )
    for entry in entries:
        entry.label = str(comment)
        entry.data = _scrubbed(entry.data, forgotten)
    ModelLogEntry.objects.bulk_update(entries, ["label", "data"])


def _scrubbed(value, forgotten):
    if isinstance(value, dict):
        return {key: _scrubbed(item, forgotten) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, forgotten) for item in value]
    if isinstance(value, str) and any(
        secret.lower() in value.lower() for secret in forgotten
    ):
        return ""
    return value


class TombstoneSource(PersonalDataSource):
    """Tombstones of deleted comments that hold a hash of the address.

    Erasure removes the hash only: the entry hash still keeps the deleted
    comment from coming back on re-import.
    """

    key = "deleted_comments"
    label = _("Deleted comments")

    def queryset(self, email):
        return DeletedComment.objects.filter(email_hash=email_hash(email))

    def export(self, email):
        tombstones = self.queryset(email).select_related("page")
        return [
            {
                "id": tombstone.pk,
                "article": tombstone.page.title,
                "deleted_at": tombstone.deleted_at.isoformat(),
            }
            for tombstone in tombstones
        ]

    def erase(self, email, *, user=None):
        return self.queryset(email).update(email_hash="")


from .data_requests import RequestSource  # noqa: E402

#: Every source, in export order.
SOURCES: list[PersonalDataSource] = [
    CommentSource(),
    TombstoneSource(),
    RequestSource(),
]
