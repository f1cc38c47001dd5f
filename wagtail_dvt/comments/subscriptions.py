"""Who may get email from the site: reply opt-ins, unsubscribes and suppression.

A reader opts in to reply notifications per comment (``Comment.notify_replies``,
ticked in the form or ``notify_replies`` in the API). Stopping them is per
address and for good: an unsubscribe, or "stop every email from this site",
stores a :class:`MailSuppression` holding a keyed hash of the address, never
the address, and it wins over any later opt-in. Anybody can type an address
into the form, so an opt-in proves nothing about who owns it; a suppression
came from a link only the address's mailbox received.

Unsubscribe links carry the same hash, signed (:func:`unsubscribe_token`), so
a link neither shows the address nor needs it to be looked up.
"""

from __future__ import annotations

from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .text import fold

_ADDRESS_HASH_SALT = "wagtail_dvt.mail.address"
_UNSUBSCRIBE_SALT = "wagtail_dvt.mail.unsubscribe"


class MailScope(models.TextChoices):
    """What a suppression stops: reply notifications, or every email."""

    REPLIES = "replies", _("Reply notifications")
    ALL = "all", _("Every email from the site")


class MailSuppression(models.Model):
    """An address that asked for no more (reply) email, by keyed hash."""

    email_hash = models.CharField(_("email hash"), max_length=64, unique=True)
    scope = models.CharField(
        _("stops"), max_length=16, choices=MailScope.choices, default=MailScope.REPLIES
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        verbose_name = _("email suppression")
        verbose_name_plural = _("email suppressions")
        default_permissions = ()

    def __str__(self):
        return f"Suppressed ({self.scope}) since {self.created_at:%Y-%m-%d}"


class ReplyMailState(models.Model):
    """When an address last got a reply notification: one row per address hash.

    Claimed by a conditional update, as the moderators' batch is, so that of
    several processes only one mails an address per ``NOTIFY_INTERVAL``.
    """

    email_hash = models.CharField(_("email hash"), max_length=64, unique=True)
    last_sent_at = models.DateTimeField(_("last notification sent at"), null=True)

    class Meta:
        verbose_name = _("reply notification state")
        default_permissions = ()

    def __str__(self):
        return f"Last reply notification: {self.last_sent_at or 'never'}"


def address_hash(email: str) -> str:
    """A keyed hash of an address, the same for any case or spelling of it.

    Keyed with ``SECRET_KEY``: an unkeyed hash of an address is reversed by
    guessing. Folded (:func:`~wagtail_dvt.comments.text.fold`), as the
    plugin compares every reader's text.
    """
    normalized = fold(email.strip())
    return salted_hmac(_ADDRESS_HASH_SALT, normalized, algorithm="sha256").hexdigest()


def same_address(first: str, second: str) -> bool:
    """Whether two non-empty addresses are one, folded."""
    return bool(first and second) and fold(first.strip()) == fold(second.strip())


def is_same_person(reply, parent) -> bool:
    """Whether ``reply`` answers its author's own comment: no email then.

    One account, or one address: an account's comments carry its address as it
    was when each was posted, and the account may have changed it since.
    """
    if reply.user_id is not None and reply.user_id == parent.user_id:
        return True
    return same_address(reply.email, parent.email)


def suppressed_hashes(hashes, scope=MailScope.REPLIES) -> set[str]:
    """Those of ``hashes`` whose address must get no mail of ``scope``."""
    scopes = {MailScope.ALL, scope}
    return set(
        MailSuppression.objects.filter(
            email_hash__in=list(hashes), scope__in=scopes
        ).values_list("email_hash", flat=True)
    )


def without_suppressed(emails, scope=MailScope.REPLIES) -> list[str]:
    """``emails`` but those that must get no mail of ``scope``."""
    hashes = {email: address_hash(email) for email in emails}
    suppressed = suppressed_hashes(hashes.values(), scope)
    return [email for email in emails if hashes[email] not in suppressed]


def suppress(email_hash: str, scope=MailScope.REPLIES) -> MailSuppression:
    """Stop mail of ``scope`` to the address with ``email_hash``; idempotent.

    A suppression only widens: stopping reply notifications after every
    email was stopped leaves every email stopped.
    """
    suppression, created = MailSuppression.objects.get_or_create(
        email_hash=email_hash, defaults={"scope": scope}
    )
    if not created and scope == MailScope.ALL and suppression.scope != scope:
        MailSuppression.objects.filter(pk=suppression.pk).update(scope=scope)
        suppression.scope = scope
    return suppression


def unsubscribe_token(email: str) -> str:
    """The signed token of an unsubscribe link: the address's hash, not the address."""
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(address_hash(email))


def read_unsubscribe_token(token: str) -> str | None:
    """The address hash a token was signed for, or ``None`` if it is not ours."""
    try:
        value = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return value if len(value) == 64 else None
