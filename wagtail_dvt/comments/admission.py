"""Whether a reader's comment is accepted, and with which status.

:func:`submit_comment` is the one way in for readers' comments: the article
page's form and the API endpoints both call it, so they apply the same rules,
modelled on WordPress's ``wp_allow_comment``:

1. The page must be a live, public article with comments open
   (404 or 403 otherwise).
2. The name and comment are required and length-limited; the email is
   optional (400).
3. The same name and text on the same page is a duplicate (409).
4. A second comment from one client address within ``FLOOD_INTERVAL``
   seconds is refused with a ``retry_after`` (429).
5. A ``DISALLOWED_WORDS`` match marks the comment spam; more than
   ``MAX_LINKS`` links or a ``MODERATION_WORDS`` match holds it as pending;
   otherwise it is pending, or approved with ``AUTO_APPROVE``.

Rules 3 and 4 read the database inside a transaction that first locks the
article's row, so concurrent requests for one article, in any number of worker
processes, are checked one after another.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.html import urlize
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting
from ..models import Comment, CommentStatus, get_article_model
from .forms import CommentFieldsForm

USER_AGENT_MAX_LENGTH = Comment._meta.get_field("user_agent").max_length


class CommentRefused(Exception):
    """A comment that is not stored; ``status_code`` is the HTTP answer."""

    status_code = 400
    default_message = _("Your comment could not be accepted.")

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class InvalidComment(CommentRefused):
    """A missing, overlong or malformed field; ``errors`` maps fields to messages."""

    status_code = 400
    default_message = _("Please correct the errors below.")

    def __init__(self, errors, message=None):
        self.errors = errors
        super().__init__(message)


class CommentsClosed(CommentRefused):
    """Comments are closed on this article, or the article is private."""

    status_code = 403
    default_message = _("Comments are closed on this article.")


class ArticleNotFound(CommentRefused):
    """The page is not a live article."""

    status_code = 404
    default_message = _("There is no such article.")


class DuplicateComment(CommentRefused):
    """The same name already posted the same text on this article."""

    status_code = 409
    default_message = _("You have already posted this comment.")


class CommentFlood(CommentRefused):
    """The client address posted a comment less than ``FLOOD_INTERVAL`` ago."""

    status_code = 429
    default_message = _("You are posting comments too quickly. Please slow down.")

    def __init__(self, retry_after, message=None):
        self.retry_after = retry_after
        super().__init__(message)


def submit_comment(
    page,
    *,
    author_name,
    body,
    email="",
    ip_address=None,
    user_agent="",
) -> Comment:
    """Check a reader's comment against the admission rules and store it.

    Returns the saved :class:`~wagtail_dvt.models.Comment`, whose ``status``
    is pending, approved or spam; raises a :class:`CommentRefused` subclass
    otherwise, and stores nothing. Moderators are emailed after the
    transaction commits when the comment is pending (``NOTIFY_MODERATORS``).

    ``ip_address`` and ``user_agent`` come from the request, never from the
    reader's input; an invalid ``ip_address`` is a programming error
    (``ValueError``). The status and the time are not arguments: readers
    cannot choose them.
    """
    if ip_address is not None:
        ip_address = str(ipaddress.ip_address(ip_address))
    user_agent = (user_agent or "")[:USER_AGENT_MAX_LENGTH]

    specific = getattr(page, "specific", page)
    ArticlePage = get_article_model()
    if not isinstance(specific, ArticlePage) or specific.pk is None:
        raise ArticleNotFound()

    form = CommentFieldsForm(
        data={"author_name": author_name, "body": body, "email": email or ""}
    )

    with transaction.atomic():
        # Serialize concurrent posts to this article, across processes.
        article = ArticlePage.objects.select_for_update().filter(pk=specific.pk).first()
        if article is None or not article.live:
            raise ArticleNotFound()
        if not article.comments_open:
            raise CommentsClosed()
        if article.get_view_restrictions():
            raise CommentsClosed(_("Comments are closed on private articles."))
        if not form.is_valid():
            raise InvalidComment(
                {field: list(messages) for field, messages in form.errors.items()}
            )
        fields = form.cleaned_data
        now = timezone.now()

        if Comment.objects.filter(
            page=article, author_name=fields["author_name"], body=fields["body"]
        ).exists():
            raise DuplicateComment()

        retry_after = _flood_retry_after(ip_address, now)
        if retry_after:
            raise CommentFlood(retry_after)

        comment = Comment(
            page=article,
            author_name=fields["author_name"],
            body=fields["body"],
            email=fields["email"],
            ip_address=ip_address,
            user_agent=user_agent,
            posted_at=now,
            status=classify(
                fields["author_name"],
                fields["body"],
                email=fields["email"],
                ip_address=ip_address or "",
                user_agent=user_agent,
            ),
        )
        comment.save()

        if comment.status == CommentStatus.PENDING and get_setting("NOTIFY_MODERATORS"):
            from .notifications import notify_moderators

            # After the commit: the comment is then visible to the admin links
            # in the email, and a rollback sends nothing. A mail failure is
            # logged rather than shown to the reader, whose comment is stored.
            transaction.on_commit(partial(notify_moderators, comment.pk), robust=True)
    return comment


def _flood_retry_after(ip_address, now):
    """Seconds until ``ip_address`` may post again; 0 if it may now."""
    interval = get_setting("FLOOD_INTERVAL")
    if ip_address is None or not interval:
        return 0
    last = (
        Comment.objects.filter(
            ip_address=ip_address, posted_at__gt=now - timedelta(seconds=interval)
        )
        .order_by("-posted_at")
        .values_list("posted_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    return max(1, math.ceil(interval - (now - last).total_seconds()))


def classify(author_name, body, *, email="", ip_address="", user_agent=""):
    """The status a new comment gets from the word lists and its links."""
    haystack = "\n".join([author_name, email, body, ip_address, user_agent])
    if _matches(haystack, get_setting("DISALLOWED_WORDS")):
        return CommentStatus.SPAM
    max_links = get_setting("MAX_LINKS")
    if (max_links is not None and count_links(body) > max_links) or _matches(
        haystack, get_setting("MODERATION_WORDS")
    ):
        return CommentStatus.PENDING
    if get_setting("AUTO_APPROVE"):
        return CommentStatus.APPROVED
    return CommentStatus.PENDING


def count_links(text):
    """How many links the page would show for ``text``.

    Counts what ``urlize`` turns into links when the comment is rendered
    (``http://``, ``www.``, bare ``example.com`` domains and email
    addresses), so the moderation rule and the page agree.
    """
    return len(re.findall(r"<a ", urlize(text, nofollow=False, autoescape=True)))


def _matches(text, words):
    text = text.casefold()
    return any(word.strip() and word.strip().casefold() in text for word in words)
