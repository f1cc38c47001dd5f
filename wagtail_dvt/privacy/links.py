"""The links a data request's person gets by email: one that confirms the
request, and one that downloads their export.

Each link holds a token signed with the site's ``SECRET_KEY``
(:mod:`django.core.signing`, a salt per kind of link): the request's id, a
keyed hash of its address (the address itself never lands in a URL, nor in a
server log), and when it was signed. A confirmation link works
``PERSONAL_DATA_CONFIRM_DAYS`` days, a download link
``PERSONAL_DATA_EXPORT_LINK_DAYS``. The mail is sent by tasks
(:func:`send_confirmation`, :func:`send_export_link`), in the site's
language, never in the moderator's request; each claims its request with a
conditional update first, so that a retried task sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
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

from ..comments.mail import cap_timeout, mailer
from ..comments.text import one_line
from ..conf import get_setting
from .data_requests import (
    COMPLETE_ACTION,
    CONFIRM_ACTION,
    PersonalDataRequest,
    RequestKind,
    RequestStatus,
    confirm_days,
)
from .errors import PersonalDataError

logger = logging.getLogger(__name__)

CONFIRM_SALT = "wagtail_dvt.privacy.confirm_request"
EXPORT_SALT = "wagtail_dvt.privacy.download_export"
CONFIRM_URL_NAME = "wagtail_dvt_privacy:confirm"
EXPORT_URL_NAME = "wagtail_dvt_privacy:export"
CONFIRM_TEMPLATE = "wagtail_dvt/privacy/confirm_request_email{}.txt"
EXPORT_TEMPLATE = "wagtail_dvt/privacy/export_link_email{}.txt"


class InvalidLink(PersonalDataError):
    """A link that was not signed here, or was altered."""


class ExpiredLink(PersonalDataError):
    """A link older than the days its kind works."""


class RequestGone(PersonalDataError):
    """A valid link whose request was erased, pruned, or is not answerable by it."""


# -- tokens -----------------------------------------------------------------------


def _address_key(email: str, salt: str) -> str:
    return salted_hmac(salt, email.lower(), algorithm="sha256").hexdigest()[:32]


def signed_token(data_request, salt: str) -> str:
    """A token naming ``data_request`` for the links of ``salt``, valid from now."""
    return signing.dumps(
        [data_request.pk, _address_key(data_request.email, salt)], salt=salt
    )


def request_for(token: str, salt: str, days: int) -> PersonalDataRequest:
    """The request a token of ``salt`` names, if signed less than ``days`` ago.

    Raises :class:`InvalidLink`, :class:`ExpiredLink` or :class:`RequestGone`.
    """
    try:
        pk, address_key = signing.loads(token, salt=salt, max_age=days * 24 * 60 * 60)
    except signing.SignatureExpired as err:
        raise ExpiredLink("This link has expired.") from err
    except (signing.BadSignature, TypeError, ValueError) as err:
        raise InvalidLink("This link is not valid.") from err
    data_request = PersonalDataRequest.objects.filter(pk=pk).first()
    if data_request is None or _address_key(data_request.email, salt) != address_key:
        raise RequestGone("This request no longer exists.")
    return data_request


def confirmation_token(data_request) -> str:
    return signed_token(data_request, CONFIRM_SALT)


def request_for_token(token: str) -> PersonalDataRequest:
    """The request a confirmation link names (raises as :func:`request_for`)."""
    return request_for(token, CONFIRM_SALT, confirm_days())


def export_link_days() -> int:
    return get_setting("PERSONAL_DATA_EXPORT_LINK_DAYS")


def export_token(data_request) -> str:
    return signed_token(data_request, EXPORT_SALT)


def exported_request_for_token(token: str) -> PersonalDataRequest:
    """The completed export request a download link names (raises as
    :func:`request_for`)."""
    data_request = request_for(token, EXPORT_SALT, export_link_days())
    if (data_request.kind, data_request.status) != (
        RequestKind.EXPORT,
        RequestStatus.COMPLETED,
    ):
        raise RequestGone("This request has no export.")
    return data_request


# -- confirming -------------------------------------------------------------------


def confirm(token: str) -> tuple[PersonalDataRequest, bool]:
    """Confirm the request a token names: ``(request, whether it changed)``.

    Idempotent: a second click finds it confirmed already. Raises as
    :func:`request_for` does.
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


# -- URLs -------------------------------------------------------------------------


def public_url(url_name: str, token: str) -> str:
    """The absolute URL ``url_name`` of ``token``, on the default Site.

    Raises ``NoReverseMatch`` if the site's URLconf does not include
    ``wagtail_dvt.privacy.urls``.
    """
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(url_name, args=[token])
    return public_base_url() + path


def links_available() -> bool:
    """Whether the site's URLconf includes ``wagtail_dvt.privacy.urls``."""
    try:
        reverse(CONFIRM_URL_NAME, args=["token"])
    except NoReverseMatch:
        return False
    return True


def public_base_url() -> str:
    """The default Site's root URL, or ``WAGTAILADMIN_BASE_URL`` without one."""
    site = default_site()
    base_url = site.root_url if site is not None else get_admin_base_url()
    return (base_url or "").rstrip("/")


def default_site():
    return Site.objects.filter(is_default_site=True).first()


# -- mail -------------------------------------------------------------------------


def send_confirmation(request_id: int) -> bool:
    """Email the person of a pending request its confirmation link.

    The task's body. Claimed by a conditional update of
    ``confirmation_sent_at``; released if the mail server refuses the
    message, which is logged, so that the admin shows it unsent. Returns
    whether a message was sent.
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
    context = {
        "confirm_url": public_url(CONFIRM_URL_NAME, confirmation_token(data_request)),
        "expires_at": data_request.link_expires_at,
    }
    if send_to_requester(data_request, CONFIRM_TEMPLATE, context):
        return True
    PersonalDataRequest.objects.filter(pk=request_id, confirmation_sent_at=now).update(
        confirmation_sent_at=None
    )
    return False


def send_export_link(request_id: int, user_id: int | None = None) -> bool:
    """Email the person of a confirmed export request a link to their data.

    The task's body. The request completes when it is claimed, and is
    confirmed again if the mail server refuses the message (logged), so
    that a moderator may answer it another way. ``user_id`` is the moderator
    who asked, for the audit log. Returns whether a message was sent.
    """
    now = timezone.now()
    claimed = PersonalDataRequest.objects.filter(
        pk=request_id, kind=RequestKind.EXPORT, status=RequestStatus.CONFIRMED
    ).update(status=RequestStatus.COMPLETED, completed_at=now)
    if not claimed:
        return False
    data_request = PersonalDataRequest.objects.get(pk=request_id)
    url = public_url(EXPORT_URL_NAME, export_token(data_request))
    context = {
        "json_url": url,
        "csv_url": f"{url}?format=csv",
        "expires_at": now + timedelta(days=export_link_days()),
    }
    if send_to_requester(data_request, EXPORT_TEMPLATE, context):
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        log(instance=data_request, action=COMPLETE_ACTION, user=user)
        return True
    PersonalDataRequest.objects.filter(
        pk=request_id, status=RequestStatus.COMPLETED, completed_at=now
    ).update(status=RequestStatus.CONFIRMED, completed_at=None)
    return False


def send_to_requester(data_request, template: str, context: dict) -> bool:
    """Email ``data_request``'s person, in the site's language; False (and
    logged) if the mail server did not accept it."""
    try:
        message = requester_message(data_request, template, context)
        connection = mailer()
        cap_timeout(connection)
        if not connection.send_messages([message]):
            raise OSError("The mail server accepted no message.")
    except Exception:
        logger.exception("Could not email the person of %s", data_request)
        return False
    return True


def requester_message(data_request, template: str, context: dict) -> EmailMessage:
    site = default_site()
    context = {
        "kind": data_request.kind,
        "site_name": (site.site_name or site.hostname) if site else "",
        **context,
    }
    with (
        translation.override(settings.LANGUAGE_CODE),
        timezone.override(settings.TIME_ZONE),
    ):
        subject = one_line(render_to_string(template.format("_subject"), context))
        body = render_to_string(template.format(""), context)
    return EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [data_request.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
