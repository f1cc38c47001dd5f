"""Email readers who opted in when someone replies to their comment, in batches.

A reply is due once it is visible (approved: on posting with ``AUTO_APPROVE``,
or by a moderator, one by one or in bulk) and its parent's author ticked
"Email me when someone replies" (``Comment.notify_replies``). Each address
gets at most one email per ``NOTIFY_INTERVAL``, listing its due replies; the
interval of each address is claimed as the moderators' batch is (one
conditional update of a :class:`~.subscriptions.ReplyMailState` row, see
:func:`~.notifications.claim_interval`), so two processes never both send.
Each address's email is then a :class:`~.mail.MailBatch` of its own (kind
``replies:<address hash>``, its replies as items, the address as recipient),
sent as the moderators' is (:func:`~.mail.attempt`): under a lease, each
acceptance recorded at once, retried after ``MAIL_RETRY_DELAYS``, resumed
after ``MAIL_LEASE`` if its sender died (by the watch task, the next reply
or the command), and its replies marked notified only once accepted.

:func:`send_due_reply_notifications` runs in the ``send_reply_notifications``
task, enqueued on commit whenever a reply becomes visible (never in the
reader's request, see :mod:`wagtail_dvt.background`), and from the
``send_comment_notifications`` command, the fallback for a site without a
worker. It checks everything at send time, at each retry or resume too: a
reply hidden again is not listed (a batch left with none closes without
mail); no email goes for a reply by the parent's own author
(:func:`~.subscriptions.is_same_person`), nor to an address without an
opt-in or that unsubscribed (:mod:`.subscriptions`). Each message is in the
article's language, links to each reply on its Site, and carries RFC 8058's
one-click ``List-Unsubscribe`` headers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from ..conf import get_setting
from ..models import Comment, CommentStatus
from .mail import (
    Delivered,
    MailBatch,
    attempt,
    claim_batch,
    close,
    open_batch,
    watch,
)
from .notifications import (
    MAX_LISTED,
    claim_interval,
    come_back_later,
    message_id,
    notify_interval,
    quoted_excerpt,
    retry_delays,
)
from .subscriptions import (
    ReplyMailState,
    address_hash,
    is_same_person,
    suppressed_hashes,
    unsubscribe_token,
)
from .text import one_line

logger = logging.getLogger(__name__)

TEMPLATE = "wagtail_dvt/notifications/replies{}.txt"
#: Each address's batches in :class:`~.mail.MailBatch`: this and its hash.
KIND_PREFIX = "replies:"
#: The URL name of the unsubscribe page, in ``wagtail_dvt.comments.urls``.
UNSUBSCRIBE_URL_NAME = "wagtail_dvt_mail:unsubscribe"


@dataclass(frozen=True)
class ReplyBatchResult:
    """What :func:`send_due_reply_notifications` did."""

    replies: int = 0  #: replies announced
    emails: int = 0  #: messages sent
    failed: int = 0  #: messages that could not be sent
    waiting: int = 0  #: addresses whose interval has not passed


def due_replies():
    """Visible replies whose parent's author opted in and was not told yet."""
    return _visible(Comment.objects.filter(reply_notified_at__isnull=True))


def _visible(replies):
    """Those of ``replies`` that are shown and whose parent's author opted in."""
    return replies.filter(
        status=CommentStatus.APPROVED, removed=False, parent__notify_replies=True
    )


def replies_published(comments) -> None:
    """Enqueue the sending task once the transaction commits, if any is a reply.

    Called wherever a comment becomes visible; the task itself decides who
    gets what, so calling it too often costs one query.
    """
    if any(comment.parent_id for comment in comments):
        from ..background import enqueue_on_commit
        from ..tasks import send_reply_notifications

        enqueue_on_commit(send_reply_notifications)


def run_reply_batch(batch_id=None) -> ReplyBatchResult:
    """The task's body: send or resume what is due, and come back if needed.

    With ``batch_id``, the task is the watch over an address's batch, set
    when its sender took it (:func:`~.mail.watch`): a worker killed
    mid-batch loses nothing.
    """
    if batch_id is not None and not watch(batch_id, _come_back):
        return ReplyBatchResult()
    result = send_due_reply_notifications()
    if result.waiting:
        _come_back(next_due_at())
    return result


def _come_back(when, *args):
    """Run the task again at ``when``, on a backend with a worker."""
    from ..tasks import send_reply_notifications

    come_back_later(send_reply_notifications, when, *args)


def next_due_at(now=None):
    """When the first address still inside its interval may be mailed again."""
    now = now or timezone.now()
    first = (
        ReplyMailState.objects.filter(last_sent_at__gt=now - notify_interval())
        .order_by("last_sent_at")
        .values_list("last_sent_at", flat=True)
        .first()
    )
    return (first or now) + notify_interval()


def batch_kind(key) -> str:
    """The :class:`~.mail.MailBatch` kind of the address with hash ``key``."""
    return f"{KIND_PREFIX}{key}"


def send_due_reply_notifications(now=None) -> ReplyBatchResult:
    """Resume the address batches whose lease ended, then open the due ones.

    An address gets a new batch only if it has none open and its interval
    has passed. Raises nothing for a mail failure: it is logged, and the
    batch is retried after each of ``MAIL_RETRY_DELAYS``; meanwhile its
    replies wait. A server that cannot be reached ends the run, so that it
    costs one ``MAIL_TIMEOUT``, not one per address.
    """
    if not get_setting("NOTIFY_REPLIES"):
        return ReplyBatchResult()
    now = now or timezone.now()
    totals = _Totals()
    for kind in _resumable_kinds(now):
        batch = claim_batch(kind, now)
        if batch is not None and not totals.add(_send_batch(batch, now)):
            return totals.result()
    groups, skipped = _due_by_address()
    if skipped:
        _mark_notified(skipped, now)  # Handled for good: no email is owed.
    open_kinds = set(_open_batches().values_list("kind", flat=True))
    for key, group in groups.items():
        kind = batch_kind(key)
        if kind in open_kinds:
            continue  # Resumed or retried on its own, once its lease ends.
        if not claim_interval(ReplyMailState, now, email_hash=key):
            totals.waiting += 1
            continue
        ids = [reply.pk for reply in group]
        batch = open_batch(kind, ids, [group[-1].parent.email], now)
        if batch is not None and not totals.add(_send_batch(batch, now, group)):
            break
    if totals.emails:
        logger.info(
            "Emailed %d reader(s) about %d reply(ies)", totals.emails, totals.replies
        )
    return totals.result()


@dataclass
class _Totals:
    replies: int = 0
    emails: int = 0
    failed: int = 0
    waiting: int = 0

    def add(self, sent) -> bool:
        """Count one batch's ``(replies, delivered)``; False if the server is lost."""
        replies, delivered = sent
        self.replies += replies
        self.emails += delivered.sent
        self.failed += delivered.failed
        return not delivered.server_lost

    def result(self) -> ReplyBatchResult:
        return ReplyBatchResult(self.replies, self.emails, self.failed, self.waiting)


def _open_batches():
    return MailBatch.objects.filter(
        kind__startswith=KIND_PREFIX, closed_at__isnull=True
    )


def _resumable_kinds(now):
    """Kinds of the open batches nobody holds: a dead sender's, or a retry's."""
    return list(
        _open_batches()
        .filter(leased_until__lte=now)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )


def _send_batch(batch, now, replies=None):
    """``(replies marked, Delivered)``: send a held batch, checked again now.

    Its replies hidden since it opened are left out, and wait for a later
    batch if approved again; with none left, or if its address unsubscribed,
    it closes without mail, as it does if no message can be written (logged;
    the replies wait). Its replies are marked notified only once the server
    accepted the message.
    """
    recipient = batch.recipients[0]
    ids = batch.item_ids
    if replies is None:
        replies = list(
            _visible(Comment.objects.filter(pk__in=ids))
            .select_related("parent", "page")
            .order_by("posted_at", "pk")
        )
    message = None
    if suppressed_hashes([address_hash(recipient)]):
        _mark_notified(ids, now)  # No email is owed: the address said stop.
    elif replies:
        message = _message(replies, recipient, ids)
    if message is None:
        close(batch, now)
        return 0, Delivered()
    sent = attempt(batch, now, lambda _: [message], retry_delays(), _come_back)
    if not (sent.finished.closed and sent.finished.reached):
        return 0, sent.delivered  # The replies wait for the retry or a later batch.
    # Only now: a reply whose email was not accepted stays due.
    return _mark_notified([reply.pk for reply in replies], now), sent.delivered


def _mark_notified(ids, now) -> int:
    return Comment.objects.filter(pk__in=ids, reply_notified_at__isnull=True).update(
        reply_notified_at=now
    )


def _due_by_address():
    """``({address hash: [replies]}, [ids of replies that owe no email])``."""
    replies = list(
        due_replies().select_related("parent", "page").order_by("posted_at", "pk")
    )
    groups = defaultdict(list)
    skipped = []
    for reply in replies:
        if not reply.parent.email or is_same_person(reply, reply.parent):
            skipped.append(reply.pk)
        else:
            groups[address_hash(reply.parent.email)].append(reply)
    for key in suppressed_hashes(groups):
        skipped.extend(reply.pk for reply in groups.pop(key))
    return dict(groups), skipped


def article_language(page) -> str:
    """The language of an article's email: its locale's, or ``LANGUAGE_CODE``."""
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return page.locale.language_code
    return settings.LANGUAGE_CODE


def unsubscribe_url(root_url, email) -> str:
    """The absolute one-click unsubscribe URL of ``email`` on a Site's root URL.

    Reversed in the active language, so that a URLconf inside
    ``i18n_patterns`` gives the page in the email's language.
    """
    path = reverse(UNSUBSCRIBE_URL_NAME, args=[unsubscribe_token(email)])
    return f"{root_url.rstrip('/')}{path}"


def _message(replies, recipient, batch_ids):
    """The email listing ``replies`` to ``recipient``; None if it can't go.

    Its ``Message-ID`` is the batch's (``batch_ids``), whatever was hidden
    since the batch opened. Without an unsubscribe URL (the site's URLconf
    lacks ``wagtail_dvt.comments.urls``) no email goes: the replies wait,
    logged.
    """
    first_page = replies[0].page
    language = article_language(first_page)
    listed = []
    root_url = ""
    with translation.override(language):
        for reply in replies[:MAX_LISTED]:
            parts = reply.page.get_url_parts()
            if parts is None or not parts[1]:
                continue  # No longer routable: nothing to link to.
            _site_id, reply_root, page_path = parts
            root_url = root_url or reply_root
            listed.append(
                {
                    "page_title": one_line(reply.page.title),
                    "author_name": one_line(reply.author_name),
                    "posted_at": reply.posted_at,
                    "quoted_body": quoted_excerpt(reply.body),
                    "url": f"{reply_root.rstrip('/')}{page_path}#comment-{reply.pk}",
                }
            )
        if not listed:
            return None
        try:
            unsubscribe = unsubscribe_url(root_url, recipient)
        except NoReverseMatch:
            logger.error(
                "Cannot email reply notifications: include "
                "wagtail_dvt.comments.urls in the site's URLconf"
            )
            return None
        context = {
            "replies": listed,
            "count": len(replies),
            "unlisted": len(replies) - len(listed),
            "unsubscribe_url": unsubscribe,
        }
        with timezone.override(settings.TIME_ZONE):
            subject = one_line(render_to_string(TEMPLATE.format("_subject"), context))
            body = render_to_string(TEMPLATE.format(""), context)
    return EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [recipient],
        headers={
            "Auto-Submitted": "auto-generated",
            # Not the batch's kind: a Message-ID's left part takes no ":".
            "Message-ID": message_id(batch_ids, recipient, kind="replies"),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _on_reply_saved(sender, instance, created, **kwargs):
    if instance.parent_id is None or instance.status != CommentStatus.APPROVED:
        return
    if created or instance._loaded_status != CommentStatus.APPROVED:
        replies_published([instance])


def connect():
    """Connect the receiver; called once from ``AppConfig.ready()``."""
    from django.db.models.signals import post_save

    post_save.connect(_on_reply_saved, sender=Comment, dispatch_uid="wagtail_dvt_rn")
