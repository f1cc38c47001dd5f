"""Every kind of record that holds a person's data, found by email address.

A source exports the records of an address as plain dicts, and erases what in
them identifies the person. :data:`SOURCES` lists them in export order;
export, erasure, the admin view and the command read that list only. A
feature that stores addresses adds a source there: reports
(:class:`ReportSource`), reply opt-ins (:class:`ReplyNotificationSource`,
turned off on erasure) and email suppressions (kept), and an account link on
comments (see :meth:`CommentSource.queryset`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from ..comments.reports import CommentReport
from ..comments.subscriptions import (
    MailSuppression,
    ReplyMailState,
    address_hash,
)
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
    "user",
    "notify_replies",
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
    """Reader comments written with the address, or by an account that has it,
    on every Site."""

    key = "comments"
    label = _("Comments")

    def queryset(self, email):
        # A signed-in commenter's comment keeps the address the account had
        # then; the account may have another now.
        account_email = f"user__{get_user_model().get_email_field_name()}__iexact"
        return Comment.objects.filter(
            Q(email__iexact=email) | Q(**{account_email: email})
        )

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
        # Locked by id: PostgreSQL cannot lock rows through the outer join
        # to the accounts.
        matching = self.queryset(email).values("pk")
        comments = list(
            Comment.objects.filter(pk__in=matching).select_for_update().order_by("pk")
        )
        for comment in comments:
            forgotten = anonymise(comment) | {email}
            comment.save(update_fields=ERASED_COMMENT_FIELDS)
            clean_log_entries(comment, forgotten)
            log(instance=comment, action=ERASE_ACTION, user=user)
        return len(comments)


def anonymise(comment) -> set[str]:
    """Anonymise ``comment`` in memory; return the values it no longer holds.

    Its place in the conversation (page, time, status and thread) stays, so
    replies still read in order; the link to the writer's account goes.
    """
    forgotten = {comment.author_name, comment.email, comment.user_agent}
    forgotten.add(comment.ip_address or "")
    comment.author_name = ANONYMOUS_NAME
    if get_setting("ERASURE_REPLACES_TEXT"):
        forgotten.add(comment.body)
        comment.body = REMOVED_TEXT
    comment.email = ""
    comment.notify_replies = False  # No address left to email.
    comment.ip_address = None
    comment.user_agent = ""
    comment.user = None
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


class ReportSource(PersonalDataSource):
    """Reports of comments made by a signed-in user who has the address.

    Reports of readers who were not signed in hold no address, only the
    client's IP address until ``IP_RETENTION_DAYS``: nothing finds them by
    email. Erasure unlinks the report from the person and keeps it, so the
    comment's count of reports stays true.
    """

    key = "reports"
    label = _("Reports of comments")

    def queryset(self, email):
        email_field = get_user_model().get_email_field_name()
        return CommentReport.objects.filter(
            **{f"reporter__{email_field}__iexact": email}
        )

    def export(self, email):
        reports = (
            self.queryset(email)
            .select_related("comment__page")
            .order_by("created_at", "pk")
        )
        return [
            {
                "id": report.pk,
                "comment": report.comment_id,
                "article": report.comment.page.title,
                "reported_at": report.created_at.isoformat(),
                "reason": report.reason,
                "ip_address": report.ip_address or "",
            }
            for report in reports
        ]

    def erase(self, email, *, user=None):
        return self.queryset(email).update(
            reporter=None, client_key=None, ip_address=None
        )


class ReplyNotificationSource(PersonalDataSource):
    """The comments whose replies are emailed to the address (its opt-ins).

    Erasure turns them off, and forgets when the address was last emailed.
    Listed before comments: erasing those empties the address it finds them by.
    """

    key = "reply_notifications"
    label = _("Reply notifications")

    def queryset(self, email):
        return Comment.objects.filter(email__iexact=email, notify_replies=True)

    def export(self, email):
        comments = self.queryset(email).select_related("page").order_by("posted_at")
        return [
            {
                "comment_id": comment.pk,
                "article": comment.page.title,
                "posted_at": comment.posted_at.isoformat(),
            }
            for comment in comments
        ]

    def erase(self, email, *, user=None):
        ReplyMailState.objects.filter(email_hash=address_hash(email)).delete()
        return self.queryset(email).update(notify_replies=False)


class MailSuppressionSource(PersonalDataSource):
    """The address's "no more email" request, held as a keyed hash only.

    Erasure keeps it: it is what keeps the site from emailing the address
    again, and it holds no address.
    """

    key = "email_suppressions"
    label = _("Email suppressions")

    def export(self, email):
        return [
            {
                "email_hash": suppression.email_hash,
                "stops": suppression.scope,
                "since": suppression.created_at.isoformat(),
            }
            for suppression in MailSuppression.objects.filter(
                email_hash=address_hash(email)
            )
        ]

    def erase(self, email, *, user=None):
        return 0


from .data_requests import RequestSource  # noqa: E402

#: Every source, in export order.
SOURCES: list[PersonalDataSource] = [
    ReplyNotificationSource(),
    CommentSource(),
    TombstoneSource(),
    ReportSource(),
    MailSuppressionSource(),
    RequestSource(),
]
