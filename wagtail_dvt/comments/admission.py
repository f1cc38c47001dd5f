"""Whether a reader's comment is accepted, and with which status.

:func:`submit_comment` is the one way in for readers' comments: the article
page's form and the API endpoints both call it, so they apply the same rules,
modelled on WordPress's ``wp_allow_comment``:

1. The page must be a live, public article with comments open
   (404 or 403 otherwise).
2. The name and comment are required and length-limited; the email is
   optional (400).
3. The same name and text on the same article, once normalized
   (:func:`~wagtail_dvt.comments.text.normalize_for_comparison`), is a
   duplicate: of an approved comment, it is refused (409); of a hidden one
   (pending, spam or rejected), it is answered as a new pending comment would
   be and not stored again, so that nobody can confirm a guessed hidden
   comment.
4. A second comment from one client address within ``FLOOD_INTERVAL``
   seconds is refused with a ``retry_after`` (429).
5. A ``DISALLOWED_WORDS`` match marks the comment spam; more than
   ``MAX_LINKS`` links or a ``MODERATION_WORDS`` match holds it as pending;
   otherwise it is pending, or approved with ``AUTO_APPROVE``.

A comment posted on an alias of an article (``Page.create_alias()``) belongs
to the article itself, whose rules then apply: aliases hold no comments.

Rules 3 and 4 read the database inside a transaction that first locks the
article's row, so concurrent requests for one article, in any number of worker
processes, are checked one after another.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting
from ..models import Comment, CommentStatus, comments_source_id, get_article_model
from .forms import CommentFieldsForm
from .links import urlize
from .text import comment_fingerprint

logger = logging.getLogger(__name__)

USER_AGENT_MAX_LENGTH = Comment._meta.get_field("user_agent").max_length


class CommentRefused(Exception):
    """A comment that is not stored; ``status_code`` is the HTTP answer."""

    status_code = 400
    #: A stable, machine-readable name of the refusal, sent as the APIs' ``code``.
    code = "comment_refused"
    default_message = _("Your comment could not be accepted.")

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class InvalidComment(CommentRefused):
    """A missing, overlong or malformed field; ``errors`` maps fields to messages."""

    status_code = 400
    code = "invalid_comment"
    default_message = _("Please correct the errors below.")

    def __init__(self, errors, message=None):
        self.errors = errors
        super().__init__(message)


class CommentsClosed(CommentRefused):
    """Comments are closed on this article, or the article is private."""

    status_code = 403
    code = "comments_closed"
    default_message = _("Comments are closed on this article.")


class ArticleNotFound(CommentRefused):
    """The page is not a live article."""

    status_code = 404
    code = "article_not_found"
    default_message = _("There is no such article.")


class DuplicateComment(CommentRefused):
    """The same name already posted the same text on this article, and it is public."""

    status_code = 409
    code = "comment_duplicate"
    default_message = _("You have already posted this comment.")


class CommentFlood(CommentRefused):
    """The client address posted a comment less than ``FLOOD_INTERVAL`` ago."""

    status_code = 429
    code = "comment_flood"
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
    otherwise, and stores nothing. A repeat of a hidden comment returns an
    unsaved pending comment (``pk`` is None): answer it as any pending one.
    After the transaction commits, moderators get the batch of waiting
    comments if one is due (``NOTIFY_MODERATORS``, ``NOTIFY_INTERVAL``).

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
    source_id = comments_source_id(specific)

    form = CommentFieldsForm(
        data={"author_name": author_name, "body": body, "email": email or ""}
    )

    with transaction.atomic():
        # Serialize concurrent posts to this article, across processes.
        article = ArticlePage.objects.select_for_update().filter(pk=source_id).first()
        if article is None or not article.live or not specific.live:
            raise ArticleNotFound()
        if not article.comments_open:
            raise CommentsClosed()
        # The comment shows on the article and on its aliases: all public.
        # Each check reads the ancestors and their restrictions: run it once
        # for a post on the article itself, the common case.
        shown_on = [article] if specific.pk == article.pk else [article, specific]
        if any(page.get_view_restrictions() for page in shown_on):
            raise CommentsClosed(_("Comments are closed on private articles."))
        if not form.is_valid():
            raise InvalidComment(
                {field: list(messages) for field, messages in form.errors.items()}
            )
        fields = form.cleaned_data
        now = timezone.now()

        fingerprint = comment_fingerprint(fields["author_name"], fields["body"])
        repeated = set(
            Comment.objects.filter(page=article, fingerprint=fingerprint).values_list(
                "status", flat=True
            )
        )
        if CommentStatus.APPROVED in repeated:
            raise DuplicateComment()  # Public anyway: saying so reveals nothing.

        retry_after = _flood_retry_after(ip_address, now)
        if retry_after:
            raise CommentFlood(retry_after)

        if repeated:
            # A hidden comment: answered as a new pending one, stored once.
            return Comment(
                page=article,
                author_name=fields["author_name"],
                body=fields["body"],
                posted_at=now,
                status=CommentStatus.PENDING,
            )

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

        if get_setting("NOTIFY_MODERATORS"):
            # After the commit: the comment is then visible to the admin links
            # in the email, and a rollback sends nothing.
            transaction.on_commit(notify_moderators_after_commit, robust=True)
    return comment


def notify_moderators_after_commit():
    """Send the moderators' batch if one is due; never raise.

    A named function, not a ``functools.partial``: before Django 6.1,
    ``on_commit(robust=True)`` crashes while logging a failing partial (it
    has no ``__qualname__``), which turned a mail server outage into an HTTP
    500 for a reader whose comment was stored. Failures are logged here.
    """
    from .notifications import send_due_notifications

    try:
        send_due_notifications()
    except Exception:
        logger.exception(
            "Could not email moderators about waiting comments; "
            "the comments are stored and will be in the next batch"
        )


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
    return len(re.findall(r"<a ", urlize(text)))


def _matches(text, words):
    text = text.casefold()
    return any(word.strip() and word.strip().casefold() in text for word in words)
