"""Notification mail in batches that survive a crash: a lease, each delivery kept.

A :class:`MailBatch` fixes what a batch lists (item ids) and who gets it
(addresses) when it is opened, so that every later attempt sends the same
messages, with the same ``Message-ID``. A sender holds it under a lease
(``MAIL_LEASE`` seconds, renewed before each message); a batch whose sender
died becomes claimable again once the lease ends. Each message the mail
server accepted is recorded as a :class:`MailDelivery` in its own commit, so
that a later attempt skips that recipient: a duplicate is possible only
between the server's acceptance and that commit.

Generic over what is announced: a ``kind`` names the batch's purpose, with at
most one open batch per kind. The moderators' batch
(:mod:`.notifications`) and each address's reply notifications
(:mod:`.reply_notifications`) use it, through :func:`attempt` and
:func:`watch`; any other notification mail can.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPServerDisconnected
from urllib.parse import urlsplit

from django import VERSION as DJANGO_VERSION
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting

logger = logging.getLogger(__name__)

#: How long a closed batch and its deliveries are kept, for an inquiry.
KEEP_CLOSED = timedelta(days=7)


class MailBatch(models.Model):
    """One batch of notification mail: what it lists, to whom, who holds it."""

    kind = models.CharField(_("kind"), max_length=100)
    item_ids = models.JSONField(_("item ids"), default=list)
    recipients = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("created at"))
    #: A random token of the sender holding the batch; empty when released.
    holder = models.CharField(_("holder"), max_length=32, blank=True)
    #: Until when the holder may send; after it, anyone may claim the batch.
    leased_until = models.DateTimeField(_("leased until"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True)

    class Meta:
        verbose_name = _("mail batch")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(closed_at__isnull=True),
                name="wagtail_dvt_one_open_mail_batch",
            )
        ]

    def __str__(self):
        return f"{self.kind} batch of {self.created_at}"


class MailDelivery(models.Model):
    """A message of a batch that the mail server accepted for one recipient."""

    batch = models.ForeignKey(
        MailBatch, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.CharField(_("recipient"), max_length=254)
    message_id = models.CharField(_("Message-ID"), max_length=255)
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("mail delivery")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "recipient"], name="wagtail_dvt_one_delivery"
            )
        ]

    def __str__(self):
        return self.message_id


def lease() -> timedelta:
    """``MAIL_LEASE``: how long a sender holds a batch without renewing it."""
    return timedelta(seconds=get_setting("MAIL_LEASE"))


def open_batch_of(kind) -> MailBatch | None:
    """The open batch of ``kind``, held or not; None if there is none."""
    return MailBatch.objects.filter(kind=kind, closed_at__isnull=True).first()


def open_batch(kind, item_ids, recipients, now) -> MailBatch | None:
    """Open and hold a batch of ``kind``; None if one is open already.

    Drops the kind's batches closed more than ``KEEP_CLOSED`` ago first: they
    only matter while a batch may be resumed.
    """
    MailBatch.objects.filter(kind=kind, closed_at__lt=now - KEEP_CLOSED).delete()
    try:
        with transaction.atomic():
            return MailBatch.objects.create(
                kind=kind,
                item_ids=sorted(item_ids),
                recipients=list(recipients),
                created_at=now,
                holder=uuid.uuid4().hex,
                leased_until=now + lease(),
                attempts=1,
            )
    except IntegrityError:
        return None  # Another process opened one first, and sends it.


def claim_batch(kind, now) -> MailBatch | None:
    """Hold the open batch of ``kind`` if its lease has ended; else None.

    One conditional UPDATE: of several processes, exactly one takes it over.
    """
    batch = open_batch_of(kind)
    if batch is None or batch.leased_until > now:
        return None
    holder = uuid.uuid4().hex
    claimed = MailBatch.objects.filter(
        pk=batch.pk, closed_at__isnull=True, leased_until__lte=now
    ).update(holder=holder, leased_until=now + lease(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    batch.refresh_from_db()
    return batch


@dataclass(frozen=True)
class Delivered:
    """What :func:`deliver` did in one attempt."""

    sent: int = 0  #: messages the server accepted
    failed: int = 0  #: messages not sent
    #: The server could not be reached, or stopped answering: a sender with
    #: more batches to go had better leave them for the retry.
    server_lost: bool = False


def deliver(
    batch, messages_for: Callable[[list[str]], Iterable[EmailMessage]]
) -> Delivered:
    """Send the batch to each recipient it has not reached.

    ``messages_for(recipients)`` builds one message per recipient, each with
    its ``Message-ID`` header. Before each message the lease is renewed; a
    sender that lost it (its lease ended and another process took the batch
    over) stops. Each accepted message is recorded in its own commit.
    """
    reached = set(batch.deliveries.values_list("recipient", flat=True))
    pending = [email for email in batch.recipients if email not in reached]
    if not pending:
        return Delivered()
    try:
        messages = list(messages_for(pending))
    except Exception:
        # A site's broken template: retried, then given up, like a refusal.
        logger.exception("Could not write the %s batch's messages", batch.kind)
        return Delivered(0, len(pending))
    sent = failed = 0
    server_lost = False
    try:
        connection = mailer()
        cap_timeout(connection)
        connection.open()
    except Exception:
        logger.exception("Could not connect to the mail server (%s batch)", batch.kind)
        return Delivered(0, len(messages), server_lost=True)
    try:
        for number, message in enumerate(messages):
            if not _renew(batch):
                logger.warning("Lost the %s batch's lease; stopped", batch.kind)
                break
            try:
                accepted = connection.send_messages([message]) or 0
            except (TimeoutError, ConnectionError, SMTPServerDisconnected):
                failed += len(messages) - number
                server_lost = True
                logger.exception("Lost the mail server (%s batch)", batch.kind)
                break
            except Exception:
                failed += 1
                logger.exception("Could not email %s (%s)", message.to[0], batch.kind)
                continue
            if accepted:
                sent += 1
                _record(batch, message)
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("Could not close the mail connection", exc_info=True)
    return Delivered(sent, failed, server_lost)


def _renew(batch) -> bool:
    return bool(
        MailBatch.objects.filter(
            pk=batch.pk, holder=batch.holder, closed_at__isnull=True
        ).update(leased_until=timezone.now() + lease())
    )


def _record(batch, message):
    # Its own commit (autocommit), before the next message is sent.
    MailDelivery.objects.get_or_create(
        batch=batch,
        recipient=message.to[0],
        defaults={
            "message_id": message.extra_headers.get("Message-ID", ""),
            "accepted_at": timezone.now(),
        },
    )


@dataclass(frozen=True)
class Finished:
    """What :func:`finish` made of an attempt."""

    closed: bool  #: done: every recipient reached, or given up
    reached: int  #: recipients reached, over every attempt
    retry_at: datetime | None = None  #: when it may go again, if released


def finish(batch, now, retry_delays) -> Finished:
    """Close the batch after an attempt, or release it for a retry.

    A batch that reached every recipient is closed. Otherwise it is released
    for a retry after the attempt's delay in ``retry_delays``; after the last,
    it is closed as it is, and its items go with a later batch if it reached
    nobody. A sender that lost its lease leaves the batch to the new holder.
    """
    reached = batch.deliveries.count()
    held = MailBatch.objects.filter(pk=batch.pk, holder=batch.holder)
    if reached < len(batch.recipients) and batch.attempts <= len(retry_delays):
        retry_at = now + retry_delays[batch.attempts - 1]
        if held.update(holder="", leased_until=retry_at):
            return Finished(False, reached, retry_at)
        return Finished(False, reached)
    if not held.update(closed_at=now, holder=""):
        return Finished(False, reached)
    if reached < len(batch.recipients):
        logger.error(
            "Gave up the %s batch after %d attempts: %d of %d recipients reached",
            batch.kind,
            batch.attempts,
            reached,
            len(batch.recipients),
        )
    return Finished(True, reached)


def close(batch, now) -> bool:
    """Close a held batch that has nothing left to send; False if not held."""
    return bool(
        MailBatch.objects.filter(pk=batch.pk, holder=batch.holder).update(
            closed_at=now, holder=""
        )
    )


@dataclass(frozen=True)
class Attempt:
    """What :func:`attempt` did: the delivery, and what became of the batch."""

    delivered: Delivered
    finished: Finished


def attempt(batch, now, messages_for, retry_delays, come_back) -> Attempt:
    """Send a held batch under a watch, then close it or release it for a retry.

    ``come_back(when, batch_id=None)`` enqueues the batch's task for ``when``
    (where a worker can run it later): first as the watch over this sender,
    at its lease's end, so that a batch whose sender dies is resumed
    (:func:`watch`); then, if the batch was released, for its retry.
    """
    come_back(batch.leased_until, batch.pk)
    delivered = deliver(batch, messages_for)
    finished = finish(batch, now, retry_delays)
    if not finished.closed and finished.retry_at is not None:
        come_back(finished.retry_at)
    return Attempt(delivered, finished)


def watch(batch_id, come_back) -> bool:
    """Whether the watch task over ``batch_id`` should resume it now.

    While the batch's sender is alive (it renews its lease), the watch comes
    back at the lease's end; once the lease ended, the batch is resumed. A
    closed batch needs nothing: a watch opens no new batch.
    """
    renew_by = held_until(batch_id, timezone.now())
    if renew_by is not None:
        come_back(renew_by, batch_id)
        return False
    return is_open(batch_id)


def held_until(batch_id, now):
    """When the open batch's live holder must renew by; None if nobody holds it."""
    return (
        MailBatch.objects.filter(
            pk=batch_id, closed_at__isnull=True, leased_until__gt=now
        )
        .exclude(holder="")
        .values_list("leased_until", flat=True)
        .first()
    )


def is_open(batch_id) -> bool:
    """Whether the batch is still to be finished."""
    return MailBatch.objects.filter(pk=batch_id, closed_at__isnull=True).exists()


def stable_message_id(kind, item_ids, recipient, base_url="") -> str:
    """The same ``Message-ID`` for the same items sent to the same recipient.

    So that mail systems can drop a message sent twice. The address is
    hashed, so that the header does not show it.
    """
    key = ",".join(str(pk) for pk in sorted(item_ids)) + "|" + recipient
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = urlsplit(base_url or "").hostname
    if not domain:
        from django.core.mail.utils import DNS_NAME

        domain = str(DNS_NAME)
    return f"<wagtail-dvt.{kind}.{digest}@{domain}>"


def cap_timeout(connection):
    """Wait at most ``MAIL_TIMEOUT`` seconds on the server, whatever the site set.

    Django's SMTP backend has no timeout unless the site gives one, so a
    server that accepts connections and never answers held the sender for as
    long as the operating system let it.
    """
    limit = get_setting("MAIL_TIMEOUT")
    if limit is None or not hasattr(connection, "timeout"):
        return
    if connection.timeout is None or connection.timeout > limit:
        connection.timeout = limit


def mailer():
    """The site's default mail connection, taken as its Django version wants.

    Django 6.1 configures mail with ``MAILERS`` and deprecates
    ``get_connection()``; earlier versions only have the latter.
    """
    if DJANGO_VERSION >= (6, 1):
        from django.core.mail import mailers

        return mailers.default
    from django.core.mail import get_connection

    return get_connection()
