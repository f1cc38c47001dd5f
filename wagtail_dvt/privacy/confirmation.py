"""The confirmation email of a data request, and the link it carries.

The link holds a token signed with the site's ``SECRET_KEY``
(:mod:`django.core.signing`): the request's id, a keyed hash of its address
(the address itself never lands in a URL, nor in a server log), and when it
was signed. It works ``PERSONAL_DATA_CONFIRM_DAYS`` days. The mail is sent by
the ``send_personal_data_confirmation`` task (:func:`send_confirmation`), in
the site's language, never in the moderator's request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from wagtail.admin.utils import get_admin_base_url
from wagtail.log_actions import log
from wagtail.models import Site

from ..comments.notifications import _cap_timeout, mailer
from ..comments.text import one_line
from .data_requests import (
    CONFIRM_ACTION,
    PersonalDataRequest,
    RequestStatus,
    confirm_days,
)
from .errors import PersonalDataError

logger = logging.getLogger(__name__)

SALT = "wagtail_dvt.privacy.confirm_request"
CONFIRM_URL_NAME = "wagtail_dvt_privacy:confirm"
TEMPLATE = "wagtail_dvt/privacy/confirm_request_email{}.txt"


class InvalidLink(PersonalDataError):
    """A confirmation link that was not signed here, or was altered."""


class ExpiredLink(PersonalDataError):
    """A confirmation link older than ``PERSONAL_DATA_CONFIRM_DAYS``."""


class RequestGone(PersonalDataError):
    """A valid link whose request was erased or pruned since."""


def _address_key(email: str) -> str:
    return salted_hmac(SALT, email.lower(), algorithm="sha256").hexdigest()[:32]


def confirmation_token(data_request) -> str:
    """A signed token naming ``data_request``, valid from now."""
    return signing.dumps([data_request.pk, _address_key(data_request.email)], salt=SALT)


def request_for_token(token: str) -> PersonalDataRequest:
    """The request a token names; raises :class:`InvalidLink`,
    :class:`ExpiredLink` or :class:`RequestGone`."""
    try:
        pk, address_key = signing.loads(
            token, salt=SALT, max_age=confirm_days() * 24 * 60 * 60
        )
    except signing.SignatureExpired as err:
        raise ExpiredLink("This confirmation link has expired.") from err
    except (signing.BadSignature, TypeError, ValueError) as err:
        raise InvalidLink("This confirmation link is not valid.") from err
    data_request = PersonalDataRequest.objects.filter(pk=pk).first()
    if data_request is None or _address_key(data_request.email) != address_key:
        raise RequestGone("This request no longer exists.")
    return data_request


def confirm(token: str) -> tuple[PersonalDataRequest, bool]:
    """Confirm the request a token names: ``(request, whether it changed)``.

    Idempotent: a second click finds it confirmed already. Raises as
    :func:`request_for_token` does.
    """
    data_request = request_for_token(token)
    with transaction.atomic():
        changed = PersonalDataRequest.objects.filter(
            pk=data_request.pk, status=RequestStatus.PENDING
        ).update(status=RequestStatus.CONFIRMED, confirmed_at=timezone.now())
        data_request.refresh_from_db()
        if changed:
            log(instance=data_request, action=CONFIRM_ACTION)
    return data_request, bool(changed)


def confirmation_url(data_request) -> str:
    """The absolute link to confirm ``data_request``, on the default Site.

    Raises ``NoReverseMatch`` if the site's URLconf does not include
    ``wagtail_dvt.privacy.urls``.
    """
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(CONFIRM_URL_NAME, args=[confirmation_token(data_request)])
    return public_base_url() + path


def confirmation_url_available() -> bool:
    """Whether the site's URLconf includes ``wagtail_dvt.privacy.urls``."""
    try:
        reverse(CONFIRM_URL_NAME, args=["token"])
    except NoReverseMatch:
        return False
    return True


def public_base_url() -> str:
    """The default Site's root URL, or ``WAGTAILADMIN_BASE_URL`` without one."""
    site = Site.objects.filter(is_default_site=True).first()
    base_url = site.root_url if site is not None else get_admin_base_url()
    return (base_url or "").rstrip("/")


def send_confirmation(request_id: int) -> bool:
    """Email the person of a pending request its confirmation link.

    The task's body. Claimed by a conditional update of
    ``confirmation_sent_at``, so a retried or repeated task sends nothing
    twice; released if the mail server refuses the message, which is logged.
    Returns whether a message was sent.
    """
    now = timezone.now()
    claimed = PersonalDataRequest.objects.filter(
        pk=request_id,
        status=RequestStatus.PENDING,
        confirmation_sent_at__isnull=True,
    ).update(confirmation_sent_at=now)
    if not claimed:
        return False
    data_request = PersonalDataRequest.objects.get(pk=request_id)
    try:
        message = confirmation_message(data_request)
        connection = mailer()
        _cap_timeout(connection)
        if not connection.send_messages([message]):
            raise OSError("The mail server accepted no message.")
    except Exception:
        logger.exception("Could not email the confirmation of %s", data_request)
        PersonalDataRequest.objects.filter(
            pk=request_id, confirmation_sent_at=now
        ).update(confirmation_sent_at=None)
        return False
    return True


def confirmation_message(data_request) -> EmailMessage:
    """The confirmation email of ``data_request``, in the site's language."""
    site = Site.objects.filter(is_default_site=True).first()
    context = {
        "kind": data_request.kind,
        "site_name": (site.site_name or site.hostname) if site else "",
        "confirm_url": confirmation_url(data_request),
        "expires_at": data_request.link_expires_at,
    }
    with (
        translation.override(settings.LANGUAGE_CODE),
        timezone.override(settings.TIME_ZONE),
    ):
        subject = one_line(render_to_string(TEMPLATE.format("_subject"), context))
        body = render_to_string(TEMPLATE.format(""), context)
    return EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [data_request.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
