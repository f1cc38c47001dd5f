"""Email moderators when a reader's comment waits for moderation.

:func:`~wagtail_dvt.comments.admission.submit_comment` schedules
:func:`notify_moderators` with ``transaction.on_commit``, so nothing is sent
for a comment that was rolled back. Messages are sent as Wagtail's own
notifications are (``WAGTAILADMIN_NOTIFICATION_FROM_EMAIL``, an
``Auto-Submitted`` header, each moderator's preferred admin language and time
zone), one per moderator so that addresses are not shared.
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.utils import get_admin_base_url

from ..models import Comment, CommentStatus

logger = logging.getLogger(__name__)


def moderator_emails():
    """Addresses of active users who may moderate comments, superusers included."""
    from ..admin.viewsets import comment_permission_policy

    email_field = get_user_model().get_email_field_name()
    users = comment_permission_policy.users_with_permission("change")
    emails = users.exclude(**{email_field: ""}).values_list(email_field, flat=True)
    return sorted({email for email in emails if email})


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


def notify_moderators(comment_id):
    """Email every moderator about comment ``comment_id`` if it is still pending.

    Returns the number of messages sent.
    """
    comment = Comment.objects.select_related("page").filter(pk=comment_id).first()
    if comment is None or comment.status != CommentStatus.PENDING:
        return 0
    recipients = moderator_emails()
    if not recipients:
        return 0
    base_url = (get_admin_base_url() or "").rstrip("/")
    edit_url = AdminURLFinder().get_edit_url(comment)
    context = {
        "comment": comment,
        "page": comment.page,
        "edit_url": f"{base_url}{edit_url}" if edit_url else "",
    }
    template = "wagtail_dvt/notifications/comment_pending{}.txt"
    from_email = getattr(
        settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL
    )
    sent = 0
    for (language, time_zone), emails in group_by_preferences(recipients).items():
        with translation.override(language), timezone.override(time_zone):
            # One line: a reader's name must not inject mail headers.
            subject = " ".join(
                render_to_string(template.format("_subject"), context).split()
            )
            message = render_to_string(template.format(""), context)
        for recipient in emails:
            sent += EmailMessage(
                subject,
                message,
                from_email,
                [recipient],
                headers={"Auto-Submitted": "auto-generated"},
            ).send()
    logger.info("Sent %d moderation email(s) for comment %d", sent, comment.pk)
    return sent
