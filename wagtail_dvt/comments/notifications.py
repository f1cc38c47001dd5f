"""Email moderators about comments waiting for moderation, in batches.

At most one batch goes out per ``NOTIFY_INTERVAL``, one email per moderator
(addresses are not shared), listing every pending comment not yet announced.
A batch is sent by :func:`send_due_notifications`, which runs

- in the ``send_moderator_notifications`` task (:mod:`wagtail_dvt.tasks`),
  enqueued by :func:`schedule_batch` after the commit of each comment a reader
  posts, never in the reader's request: at once when a batch is due, so the
  first comment after a quiet interval is announced within seconds, or, on a
  backend with a worker, with ``run_after`` set to when the interval ends;
- from the ``send_comment_notifications`` management command, the fallback
  for a site without a worker, which a cron job runs, so comments posted
  during a busy interval are announced when it ends even if nobody posts again.

The interval is claimed with a conditional update of one row
(:class:`~wagtail_dvt.models.ModeratorNotificationState`), so two processes
never both open a batch. The batch itself is a :class:`~.mail.MailBatch`:
its comments and moderators are fixed when it opens, its sender holds it
under a lease, and each message the server accepted is recorded at once
(:mod:`.mail`). If the server cannot be reached, refuses a message, or does
not answer within ``MAIL_TIMEOUT`` seconds, the failure is logged and the
batch is retried, for the moderators not yet reached, after each of
``MAIL_RETRY_DELAYS``. If the process dies while sending, the batch is
resumed once its lease ends: by the watch task set when it was taken, on a
backend with a worker, else by the next post or the command. Comments are
marked ``announced_at`` only once the batch is done and reached someone;
a batch that reached nobody leaves them waiting for the next batch.
Messages are sent as Wagtail's own notifications are
(``WAGTAILADMIN_NOTIFICATION_FROM_EMAIL``, an ``Auto-Submitted`` header, each
moderator's preferred admin language and time zone).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.utils import get_admin_base_url

from ..conf import get_setting
from ..models import Comment, CommentStatus, ModeratorNotificationState
from .mail import (
    MailBatch,
    attempt,
    claim_batch,
    open_batch,
    open_batch_of,
    stable_message_id,
    watch,
)
from .subscriptions import MailScope, without_suppressed
from .text import one_line

logger = logging.getLogger(__name__)

#: The state row's primary key.
STATE_ID = 1
#: The moderators' batches in :class:`~.mail.MailBatch`.
KIND = "moderators"
#: Most comments an email lists one by one; it counts the rest.
MAX_LISTED = 50
#: Longest excerpt of a comment's text in the email, in characters.
EXCERPT_LENGTH = 600

TEMPLATE = "wagtail_dvt/notifications/comments_pending{}.txt"


@dataclass(frozen=True)
class BatchResult:
    """What :func:`send_due_notifications` did."""

    comments: int = 0  #: comments announced
    emails: int = 0  #: messages sent
    failed: int = 0  #: messages that could not be sent


def notify_interval() -> timedelta:
    """``NOTIFY_INTERVAL`` as a timedelta (the setting is seconds or a timedelta)."""
    value = get_setting("NOTIFY_INTERVAL")
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def retry_delays() -> list[timedelta]:
    """``MAIL_RETRY_DELAYS`` as timedeltas: the waits before each retry."""
    return [timedelta(seconds=delay) for delay in get_setting("MAIL_RETRY_DELAYS")]


def batch_due_at():
    """When a batch may go next; None if none was ever sent.

    The end of an open batch's lease (its sender's deadline, or its retry),
    else one interval after the last batch.
    """
    open_lease = MailBatch.objects.filter(
        kind=KIND, closed_at__isnull=True
    ).values_list("leased_until")[:1]
    state = (
        ModeratorNotificationState.objects.filter(pk=STATE_ID)
        .annotate(open_lease=Subquery(open_lease))
        .values_list("last_sent_at", "open_lease")
        .first()
    )
    if state is None:
        return None
    last_sent_at, open_lease = state
    if open_lease is not None:
        return open_lease
    return None if last_sent_at is None else last_sent_at + notify_interval()


def schedule_batch(now=None) -> None:
    """Enqueue the moderators' batch after a post: now if due, else for later.

    Called after the commit of a reader's comment. A batch that is not due
    yet is scheduled for the end of the interval on a backend with a worker;
    without one, the next post or the cron command sends it.
    """
    from ..background import dispatch
    from ..tasks import send_moderator_notifications

    now = now or timezone.now()
    due_at = batch_due_at()
    if due_at is None or due_at <= now:
        dispatch(send_moderator_notifications)
    else:
        _come_back(due_at)


def run_batch(batch_id=None) -> BatchResult:
    """The task's body: send or resume a due batch, and come back if needed.

    With ``batch_id``, the task is the watch over a batch's sender, set when
    it took the batch (:func:`~.mail.watch`): a worker killed mid-batch
    loses nothing.
    """
    if batch_id is not None and not watch(batch_id, _come_back):
        return BatchResult()
    return send_due_notifications()


def _come_back(when, *args):
    """Run the task again at ``when``, on a backend with a worker."""
    from ..tasks import send_moderator_notifications

    come_back_later(send_moderator_notifications, when, *args)


def come_back_later(task_, when, *args):
    """Enqueue ``task_(*args)`` for ``when``, on a backend with a worker.

    Without a worker, the next post or the cron command does it instead.
    """
    from ..background import can_defer, dispatch

    if can_defer(task_):
        dispatch(task_, *args, run_after=when)


def moderator_emails():
    """Addresses of active users who may moderate comments, superusers included."""
    from ..admin.viewsets import comment_permission_policy

    email_field = get_user_model().get_email_field_name()
    users = comment_permission_policy.users_with_permission("change")
    emails = users.exclude(**{email_field: ""}).values_list(email_field, flat=True)
    return sorted({email for email in emails if email})


def waiting_comments():
    """Pending comments that no batch has announced yet, oldest first."""
    return Comment.objects.filter(
        status=CommentStatus.PENDING, announced_at__isnull=True
    ).order_by("posted_at", "pk")


def send_due_notifications(now=None) -> BatchResult:
    """Email moderators the waiting comments if a batch may go now.

    First resumes an open batch whose lease ended (its sender died, or its
    retry is due). Otherwise does nothing when ``NOTIFY_MODERATORS`` is off,
    when no comment waits, when no moderator has an email address, when a
    batch is open, or when a batch went out less than ``NOTIFY_INTERVAL``
    ago. Raises nothing for a mail failure: it is logged, and the batch is
    retried after each of ``MAIL_RETRY_DELAYS``.
    """
    if not get_setting("NOTIFY_MODERATORS"):
        return BatchResult()
    now = now or timezone.now()
    batch = claim_batch(KIND, now)
    if batch is None:
        batch = _open_due_batch(now)
    if batch is None:
        return BatchResult()
    ids = batch.item_ids
    result = attempt(
        batch,
        now,
        lambda recipients: _messages(ids, recipients),
        retry_delays(),
        _come_back,
    )
    sent, failed = result.delivered.sent, result.delivered.failed
    finished = result.finished
    if not finished.closed:
        return BatchResult(0, sent, failed)
    if not finished.reached:
        return BatchResult(0, 0, failed)  # The comments wait for the next batch.
    # Only now: a batch that reached nobody stays waiting, whatever happened.
    Comment.objects.filter(pk__in=ids, announced_at__isnull=True).update(
        announced_at=now
    )
    logger.info("Emailed %d moderator(s) about %d waiting comment(s)", sent, len(ids))
    return BatchResult(len(ids), sent, failed)


def _open_due_batch(now):
    # Within the interval, as most posts of a busy day are: one read, not the
    # waiting comments, the moderators and a claim that could not succeed.
    if ModeratorNotificationState.objects.filter(
        pk=STATE_ID, last_sent_at__gt=now - notify_interval()
    ).exists():
        return None
    if open_batch_of(KIND) is not None or not waiting_comments().exists():
        return None
    recipients = without_suppressed(moderator_emails(), MailScope.ALL)
    if not recipients or not _claim_batch(now):
        return None
    ids = list(waiting_comments().values_list("pk", flat=True))
    if not ids:
        return None
    return open_batch(KIND, ids, recipients, now)


def _claim_batch(now) -> bool:
    """Take the right to open the batch due at ``now``; False if taken or early."""
    return claim_interval(ModeratorNotificationState, now, pk=STATE_ID)


def claim_interval(model, now, **key) -> bool:
    """Take the interval of ``model``'s row with ``key`` at ``now``; False if early.

    One conditional UPDATE: of several processes, exactly one sees a row
    changed, whatever the database's isolation level. Also claims the right
    to open a reply notifications batch for one address
    (:mod:`.reply_notifications`).
    """
    due = Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - notify_interval())
    claimed = model.objects.filter(due, **key).update(last_sent_at=now) == 1
    if claimed or model.objects.filter(**key).exists():
        return claimed
    try:
        with transaction.atomic():
            model.objects.create(**key, last_sent_at=now)
    except IntegrityError:
        return False  # Another process created it first, and sends.
    return True


def message_id(comment_ids, recipient, kind=KIND) -> str:
    """The same ``Message-ID`` for the same comments sent to the same moderator.

    A batch sent again, after a process died between the server's acceptance
    and the commit that records it, is then a duplicate that mail systems
    can drop.
    """
    return stable_message_id(kind, comment_ids, recipient, get_admin_base_url())


def _messages(ids, recipients):
    from .reports import with_report_count

    # Reports hide a comment again: the email says so (comments.reports).
    comments = list(
        with_report_count(Comment.objects.filter(pk__in=ids))
        .select_related("page")
        .order_by("posted_at", "pk")[:MAX_LISTED]
    )
    base_url = (get_admin_base_url() or "").rstrip("/")
    finder = AdminURLFinder()
    listed = []
    for comment in comments:
        edit_url = finder.get_edit_url(comment)
        listed.append(
            {
                "page_title": one_line(comment.page.title),
                # One line, whatever was stored: a name cannot forge lines.
                "author_name": one_line(comment.author_name),
                "posted_at": comment.posted_at,
                "quoted_body": quoted_excerpt(comment.body),
                "edit_url": f"{base_url}{edit_url}" if edit_url else "",
                "report_count": comment.report_count,
            }
        )
    context = {
        "comments": listed,
        "count": len(ids),
        "unlisted": len(ids) - len(listed),
        "pending_total": Comment.objects.filter(status=CommentStatus.PENDING).count(),
        "listing_url": _listing_url(base_url),
    }
    from_email = getattr(
        settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL
    )
    messages = []
    for (language, time_zone), emails in group_by_preferences(recipients).items():
        with translation.override(language), timezone.override(time_zone):
            # One line: a reader's name must not inject mail headers.
            subject = one_line(render_to_string(TEMPLATE.format("_subject"), context))
            body = render_to_string(TEMPLATE.format(""), context)
        messages.extend(
            EmailMessage(
                subject,
                body,
                from_email,
                [recipient],
                headers={
                    "Auto-Submitted": "auto-generated",
                    "Message-ID": message_id(ids, recipient),
                },
            )
            for recipient in emails
        )
    return messages


def quoted_excerpt(text) -> str:
    """The start of a comment's text, quoted line by line, so it reads as the
    reader's, not the site's."""
    if len(text) > EXCERPT_LENGTH:
        text = text[: EXCERPT_LENGTH - 1] + "…"
    return "\n".join(f"> {line}" for line in text.split("\n"))


def group_by_preferences(emails):
    """``{(language, time zone): [emails]}`` from the moderators' Wagtail profiles.

    As Wagtail's own notifications do, each moderator reads the email in their
    preferred admin language and time zone; the request that posted the
    comment was in the reader's language, which may not be theirs.
    """
    from wagtail.users.models import UserProfile

    email_field = get_user_model().get_email_field_name()
    profiles = {
        email: (language, time_zone)
        for email, language, time_zone in UserProfile.objects.filter(
            **{f"user__{email_field}__in": emails}
        ).values_list(f"user__{email_field}", "preferred_language", "current_time_zone")
    }
    groups = defaultdict(list)
    for email in emails:
        language, time_zone = profiles.get(email, ("", ""))
        key = (language or settings.LANGUAGE_CODE, time_zone or settings.TIME_ZONE)
        groups[key].append(email)
    return dict(groups)


def _listing_url(base_url):
    try:
        path = reverse("wagtail_dvt_comments:list")
    except NoReverseMatch:
        return ""
    return f"{base_url}{path}?status={CommentStatus.PENDING}"
