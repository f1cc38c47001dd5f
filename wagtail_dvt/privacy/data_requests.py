"""A person's data request, as WordPress core tracks one: asked, confirmed, answered.

A moderator records a request for an address (:func:`create_request`); the
person confirms it from a link emailed to them (:mod:`.confirmation`); only
then may a moderator answer it (:func:`answer_export`, :func:`answer_erasure`),
which records its completion. A moderator may still export or erase an
address directly, without a request: the confirmation guards the
request-driven path only (see docs/privacy.md).

The requests hold an address, so they are personal data too: an export lists
them, an erasure deletes the pending and completed ones, and
:func:`prune_old_requests` deletes any older than
``PERSONAL_DATA_REQUEST_RETENTION_DAYS``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..conf import get_setting
from .errors import PersonalDataError, normalize_email
from .sources import PersonalDataSource

#: Audit log actions of a request (registered in ``wagtail_hooks.py``). An
#: entry's label names the request by kind and number, never by address.
ADD_ACTION = "wagtail_dvt.personal_data_request.add"
CONFIRM_ACTION = "wagtail_dvt.personal_data_request.confirm"
COMPLETE_ACTION = "wagtail_dvt.personal_data_request.complete"


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Export")
    ERASE = "erase", _("Erasure")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")


class PersonalDataRequest(models.Model):
    """One person's request to see (export) or erase their data."""

    email = models.EmailField(_("email address"))
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set when the mail server accepted the confirmation email; cleared if
    # it refused it, so that the moderator sees it and may send it again.
    confirmation_sent_at = models.DateTimeField(
        _("confirmation sent at"), null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering = ["-created_at", "-pk"]
        # Moderators answer requests ("Can moderate reader comments").
        default_permissions = ()

    def __str__(self):
        # No address: this is the label of the request's audit log entries.
        return f"{self.get_kind_display()} request #{self.pk}"

    @property
    def link_expires_at(self):
        """When the confirmation link sent last stops working (None: not sent)."""
        if self.confirmation_sent_at is None:
            return None
        return self.confirmation_sent_at + timedelta(days=confirm_days())

    @property
    def link_expired(self) -> bool:
        expires_at = self.link_expires_at
        return (
            self.status == RequestStatus.PENDING
            and expires_at is not None
            and expires_at <= timezone.now()
        )


def confirm_days():
    """``PERSONAL_DATA_CONFIRM_DAYS``: how long a confirmation link works."""
    return get_setting("PERSONAL_DATA_CONFIRM_DAYS")


class RequestNotConfirmed(PersonalDataError):
    """A moderator tried to answer a request its person has not confirmed."""

    def __init__(self, data_request):
        super().__init__(
            f"{data_request} is {data_request.get_status_display().lower()}, "
            "not confirmed."
        )
        self.data_request = data_request


def create_request(email: str, kind: str, *, user=None) -> PersonalDataRequest:
    """Record a request and email its person a confirmation link, after commit.

    The mail goes through the plugin's task path, never in the caller's
    request. Raises :class:`~.errors.InvalidEmail` for a value that is no
    address.
    """
    email = normalize_email(email)
    with transaction.atomic():
        data_request = PersonalDataRequest.objects.create(
            email=email, kind=RequestKind(kind), requested_by=user
        )
        log(instance=data_request, action=ADD_ACTION, user=user)
        send_confirmation_on_commit(data_request)
    return data_request


def resend_confirmation(data_request) -> bool:
    """Send a pending request's confirmation again, with a fresh link.

    False (nothing sent) once the request is confirmed or completed.
    """
    with transaction.atomic():
        changed = PersonalDataRequest.objects.filter(
            pk=data_request.pk, status=RequestStatus.PENDING
        ).update(confirmation_sent_at=None)
        if changed:
            send_confirmation_on_commit(data_request)
    return bool(changed)


def send_confirmation_on_commit(data_request) -> None:
    from ..background import enqueue_on_commit
    from ..tasks import send_personal_data_confirmation

    enqueue_on_commit(send_personal_data_confirmation, data_request.pk)


def confirmed_request(pk: int, kind: str) -> PersonalDataRequest:
    """The request ``pk`` of ``kind``, locked until the transaction ends.

    Raises ``DoesNotExist``, or :class:`RequestNotConfirmed` unless its
    person confirmed it and nobody has answered it yet. Call it inside
    ``transaction.atomic()``: of two moderators answering at once, the
    second finds it completed.
    """
    data_request = PersonalDataRequest.objects.select_for_update().get(pk=pk, kind=kind)
    if data_request.status != RequestStatus.CONFIRMED:
        raise RequestNotConfirmed(data_request)
    return data_request


def complete(data_request, *, user=None) -> None:
    """Record that ``data_request`` was answered, in the audit log too."""
    data_request.status = RequestStatus.COMPLETED
    data_request.completed_at = timezone.now()
    data_request.save(update_fields=["status", "completed_at"])
    log(instance=data_request, action=COMPLETE_ACTION, user=user)


def answer_export(pk: int, *, user=None):
    """The data of the confirmed export request ``pk``; the request completes.

    Raises :class:`RequestNotConfirmed` for any other request.
    """
    from .export import export_personal_data

    with transaction.atomic():
        data_request = confirmed_request(pk, RequestKind.EXPORT)
        complete(data_request, user=user)
    # After the commit: the export lists the request as completed.
    return export_personal_data(data_request.email)


def answer_export_by_email(pk: int, *, user=None) -> PersonalDataRequest:
    """Email the person of the confirmed export request ``pk`` a download link.

    The task that sends it, after the commit, completes the request once the
    mail server accepts the message. Raises :class:`RequestNotConfirmed` for
    any other request.
    """
    from ..background import enqueue_on_commit
    from ..tasks import send_personal_data_export_link

    with transaction.atomic():
        data_request = confirmed_request(pk, RequestKind.EXPORT)
        user_id = user.pk if user is not None and user.is_authenticated else None
        enqueue_on_commit(send_personal_data_export_link, data_request.pk, user_id)
    return data_request


def answer_erasure(pk: int, *, user=None):
    """Erase the data of the confirmed erasure request ``pk``; it completes.

    The request itself stays, as the record of the erasure, until
    ``PERSONAL_DATA_REQUEST_RETENTION_DAYS``. Raises
    :class:`RequestNotConfirmed` for any other request.
    """
    from .erasure import erase_personal_data

    with transaction.atomic():
        data_request = confirmed_request(pk, RequestKind.ERASE)
        result = erase_personal_data(data_request.email, user=user)
        complete(data_request, user=user)
    return result


def prune_old_requests(now=None) -> int:
    """Delete requests older than ``PERSONAL_DATA_REQUEST_RETENTION_DAYS``.

    Whatever their status: a request nobody confirmed in that time will not
    be. ``None`` keeps them. Returns how many were deleted.
    """
    days = get_setting("PERSONAL_DATA_REQUEST_RETENTION_DAYS")
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = PersonalDataRequest.objects.filter(
        created_at__lt=cutoff
    ).delete()
    return deleted


class RequestSource(PersonalDataSource):
    """The person's own data requests, which hold their address.

    Erasure deletes the pending and completed ones. Confirmed ones stay: each
    is a request a moderator must still answer, the erasure being answered
    among them, which then records its completion.
    """

    key = "data_requests"
    label = _("Data requests")

    def queryset(self, email):
        return PersonalDataRequest.objects.filter(email__iexact=email)

    def export(self, email):
        return [
            {
                "id": data_request.pk,
                "kind": data_request.kind,
                "status": data_request.status,
                "created_at": _isoformat(data_request.created_at),
                "confirmed_at": _isoformat(data_request.confirmed_at),
                "completed_at": _isoformat(data_request.completed_at),
            }
            for data_request in self.queryset(email).order_by("created_at", "pk")
        ]

    def erase(self, email, *, user=None):
        deleted, _by_model = (
            self.queryset(email).exclude(status=RequestStatus.CONFIRMED).delete()
        )
        return deleted


def _isoformat(value):
    return value.isoformat() if value else ""
