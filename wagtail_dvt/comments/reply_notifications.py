"""Email readers who opted in when someone replies to their comment, in batches.

A reply is due once it is visible (approved: on posting with ``AUTO_APPROVE``,
or by a moderator, one by one or in bulk) and its parent's author ticked
"Email me when someone replies" (``Comment.notify_replies``). Each address
gets at most one email per ``NOTIFY_INTERVAL``, listing its due replies; the
interval of each address is claimed as the moderators' batch is (one
conditional update of a :class:`~.subscriptions.ReplyMailState` row, see
:func:`~.notifications.claim_interval`), so two processes never both send.

:func:`send_due_reply_notifications` runs in the ``send_reply_notifications``
task, enqueued on commit whenever a reply becomes visible (never in the
reader's request, see :mod:`wagtail_dvt.background`), and from the
``send_comment_notifications`` command, the fallback for a site without a
worker. It checks everything at send time: a reply hidden again is not
listed; no email goes for a reply by the parent's own author
(:func:`~.subscriptions.is_same_person`), nor to an address without an
opt-in or that unsubscribed (:mod:`.subscriptions`). Each message is in the
article's language, links to each reply on its Site, and carries RFC 8058's
one-click ``List-Unsubscribe`` headers. Failures are retried as the
moderators' batch's are (``MAIL_RETRY_DELAYS``); meanwhile the replies wait.
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
from .notifications import (
    MAX_LISTED,
    _send,
    claim_interval,
    message_id,
    notify_interval,
    quoted_excerpt,
    release_claim,
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
    return Comment.objects.filter(
        status=CommentStatus.APPROVED,
        removed=False,
        reply_notified_at__isnull=True,
        parent__notify_replies=True,
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


def run_reply_batch(attempt: int = 0) -> ReplyBatchResult:
    """The task's body: send what is due; retry a failure, wait for the rest."""
    from ..background import can_defer, dispatch
    from ..tasks import send_reply_notifications

    delays = retry_delays()
    retry_in = delays[attempt] if attempt < len(delays) else None
    result = send_due_reply_notifications(retry_in=retry_in)
    if not can_defer(send_reply_notifications):
        return result  # The next reply or the cron command sends the rest.
    if result.failed and retry_in is not None:
        dispatch(
            send_reply_notifications,
            attempt + 1,
            run_after=timezone.now() + retry_in,
        )
    elif result.waiting:
        dispatch(send_reply_notifications, run_after=next_due_at())
    return result


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


def send_due_reply_notifications(now=None, retry_in=None) -> ReplyBatchResult:
    """Email each opted-in address its due replies, if its interval allows.

    Raises nothing for a mail failure: it is logged, the address's claim is
    released ``retry_in`` (a timedelta) later, and its replies wait.
    """
    if not get_setting("NOTIFY_REPLIES"):
        return ReplyBatchResult()
    now = now or timezone.now()
    groups, skipped = _due_by_address()
    if skipped:
        # Handled for good: no email is owed for them, now or later.
        Comment.objects.filter(pk__in=skipped, reply_notified_at__isnull=True).update(
            reply_notified_at=now
        )
    claimed = {}  # message: (address hash, reply ids)
    waiting = 0
    for key, group in groups.items():
        message = _message(group)
        if message is None:
            continue  # Logged; the replies wait.
        if not claim_interval(ReplyMailState, now, email_hash=key):
            waiting += 1
            continue
        claimed[message] = (key, [reply.pk for reply in group])
    if not claimed:
        return ReplyBatchResult(waiting=waiting)
    delivered = []
    # One connection for all: a server that is down costs one MAIL_TIMEOUT.
    emails, failed = _send(list(claimed), "readers about replies", delivered)
    replies = 0
    for message in delivered:
        _key, ids = claimed.pop(message)
        # Only now: a reply whose email was not accepted stays due.
        Comment.objects.filter(pk__in=ids, reply_notified_at__isnull=True).update(
            reply_notified_at=now
        )
        replies += len(ids)
    if retry_in is not None:
        for key, _ids in claimed.values():
            release_claim(ReplyMailState, now, retry_in, email_hash=key)
    if emails:
        logger.info("Emailed %d reader(s) about %d reply(ies)", emails, replies)
    return ReplyBatchResult(replies, emails, failed, waiting)


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


def _message(replies):
    """The email listing ``replies`` to their parents' author; None if it can't go.

    Without an unsubscribe URL (the site's URLconf lacks
    ``wagtail_dvt.comments.urls``) no email goes: the replies wait, logged.
    """
    recipient = replies[-1].parent.email
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
            "Message-ID": message_id(
                [reply.pk for reply in replies], recipient, kind="replies"
            ),
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
