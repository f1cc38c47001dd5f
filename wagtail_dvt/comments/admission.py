"""Whether a reader's comment is accepted, and with which status.

:func:`submit_comment` is the one way in for readers' comments: the article
page's form and the API endpoints both call it, so they apply the same rules,
modelled on WordPress's ``wp_allow_comment``:

1. The page must be a live, public article with comments open
   (404 or 403 otherwise).
2. The name and comment are required and length-limited; the email is
   optional (400). Direction controls are taken out of the name.
3. The same name and text on the same article, once normalized
   (:func:`~wagtail_dvt.comments.text.normalize_for_comparison`), is a
   duplicate: of an approved comment, it is refused (409); of a hidden one
   (pending, spam or rejected), it is answered as a new pending comment would
   be and not stored again, so that nobody can confirm a guessed hidden
   comment. Like a new comment, it starts the flood interval and spends its
   token, so no later answer tells it apart either.
4. A second comment from one client address within ``FLOOD_INTERVAL``
   seconds is refused with a ``retry_after`` (429). Clients whose address is
   unknown share one interval.
5. Asking to be emailed about replies needs an email address (400
   ``notify_replies_needs_email``).
6. A form or API token serves one comment (400 ``token_used`` after that);
   a refused post does not spend it.
7. A reply (``parent``) answers an approved comment on the same article,
   above ``MAX_THREAD_DEPTH`` (404 ``parent_not_found``, 409
   ``parent_other_article`` and ``reply_too_deep``; 400 on the form). A
   hidden or deleted parent is answered as a missing one, so that no reply
   probes for hidden comments.
7. A signed-in reader comments under their account's name and email
   (:mod:`~wagtail_dvt.comments.accounts`): what they posted as name and
   email is ignored. With ``COMMENTS_REQUIRE_LOGIN``, nobody else may
   comment (403 ``login_required``). A reader who is not signed in may not
   take a name that passes for the article's author's or a staff user's
   (:mod:`~wagtail_dvt.comments.names`; 400 ``name_reserved``).
8. A ``DISALLOWED_WORDS`` match marks the comment spam; more than
   ``MAX_LINKS`` links or a ``MODERATION_WORDS`` match holds it as pending;
   otherwise it is pending, or approved with ``AUTO_APPROVE``. Words match
   the normalized name, email and text, so ``via\u200bgra`` is "viagra".

A comment posted on an alias of an article (``Page.create_alias()``) belongs
to the article itself, whose rules then apply: aliases hold no comments.

Rule 3 reads the database inside a transaction that first locks the article's
row, so concurrent requests for one article, in any number of worker
processes, are checked one after another; rules 4 and 6 each check and record
in one statement under a unique key (:mod:`~wagtail_dvt.comments.limits`), so
they hold across articles too.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting
from ..models import Comment, CommentStatus, comments_source_id, get_article_model
from .accounts import account_email, account_name, login_required, signed_in
from .forms import CommentFieldsForm
from .limits import claim_flood_slot, spend_token
from .links import urlize
from .names import NAME_TAKEN_MESSAGE, impersonates
from .text import comment_fingerprint, normalize_for_comparison
from .threads import can_have_replies

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


class NameReserved(InvalidComment):
    """An anonymous reader's name passes for the article's author or a staff user."""

    code = "name_reserved"

    def __init__(self):
        super().__init__({"author_name": [str(NAME_TAKEN_MESSAGE)]})


class LoginRequired(CommentRefused):
    """``COMMENTS_REQUIRE_LOGIN`` is on and no user is signed in."""

    status_code = 403
    code = "login_required"
    default_message = _("Sign in to post a comment.")


class RepliesNeedEmail(InvalidComment):
    """Reply notifications were asked for without an email address to send them to."""

    code = "notify_replies_needs_email"
    default_message = _("Reply notifications need an email address.")

    def __init__(self, message=None):
        super().__init__(
            {"email": [str(_("Enter your email address to be told about replies."))]},
            message,
        )


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


class ReplyRefused(CommentRefused):
    """A reply whose parent cannot be answered; the form shows it as a 400.

    The APIs answer each with its own status: schema-valid input refused for
    the state of the data (404, 409), as for an article or a duplicate.
    """


class ParentNotFound(ReplyRefused):
    """The comment replied to does not exist, or readers cannot see it.

    One answer for both, so that a reply cannot tell a hidden comment from a
    missing one.
    """

    status_code = 404
    code = "parent_not_found"
    default_message = _("The comment you are replying to is not available.")


class ParentOnOtherArticle(ReplyRefused):
    """The comment replied to belongs to another article."""

    status_code = 409
    code = "parent_other_article"
    default_message = _("You can only reply to a comment on the same article.")


class ReplyTooDeep(ReplyRefused):
    """The comment replied to is at ``MAX_THREAD_DEPTH`` already."""

    status_code = 409
    code = "reply_too_deep"
    default_message = _("This conversation cannot go any deeper. Reply higher up.")


class TokenUsed(CommentRefused):
    """The form's or the API's token already served a comment."""

    status_code = 400
    code = "token_used"
    default_message = _(
        "This form has already been sent. Please send your comment again."
    )


def submit_comment(
    page,
    *,
    author_name,
    body,
    email="",
    ip_address=None,
    user_agent="",
    token=None,
    parent=None,
    user=None,
    notify_replies=False,
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
    (``ValueError``), and ``None`` is an unknown client. ``token`` is the
    form's or API's token, already checked for its signature and age: it is
    spent here, with the comment. ``parent`` is the id of the comment replied
    to, or ``None``. ``user`` is the request's user: a signed-in one comments
    under the account's name and email, whatever ``author_name`` and
    ``email`` say. ``notify_replies`` asks for an email when someone
    replies (:mod:`~wagtail_dvt.comments.reply_notifications`); it needs an
    email address (:class:`RepliesNeedEmail` otherwise). The status and the
    time are not arguments: readers cannot choose them.
    """
    if not signed_in(user):
        user = None
    if user is not None:
        author_name, email = account_name(user), account_email(user)
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
        if user is None and login_required():
            raise LoginRequired()
        if not form.is_valid():
            raise InvalidComment(
                {field: list(messages) for field, messages in form.errors.items()}
            )
        fields = form.cleaned_data
        if user is None and impersonates(fields["author_name"], article):
            raise NameReserved()
        if notify_replies and not fields["email"]:
            raise RepliesNeedEmail()
        now = timezone.now()
        parent = parent and replied_to(parent, article)

        fingerprint = comment_fingerprint(fields["author_name"], fields["body"])
        repeated = set(
            Comment.objects.filter(page=article, fingerprint=fingerprint).values_list(
                "status", flat=True
            )
        )
        if CommentStatus.APPROVED in repeated:
            raise DuplicateComment()  # Public anyway: saying so reveals nothing.

        interval = get_setting("FLOOD_INTERVAL")
        retry_after = interval and claim_flood_slot(ip_address, now, interval)
        if retry_after:
            raise CommentFlood(retry_after)
        if token is not None and not spend_token(token, now):
            raise TokenUsed()  # Rolls back the flood slot: nothing was posted.

        if repeated:
            # A hidden comment: answered as a new pending one, stored once,
            # after it took the flood slot and the token as a new one does.
            return Comment(
                page=article,
                parent=parent,
                user=user,
                author_name=fields["author_name"],
                body=fields["body"],
                posted_at=now,
                status=CommentStatus.PENDING,
            )

        comment = Comment(
            page=article,
            parent=parent,
            user=user,
            author_name=fields["author_name"],
            body=fields["body"],
            email=fields["email"],
            notify_replies=bool(notify_replies),
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


def replied_to(parent_id, article) -> Comment:
    """The comment a reply on ``article`` answers, if readers may answer it.

    Raises :class:`ParentNotFound` alike for a missing, hidden or deleted
    comment, :class:`ParentOnOtherArticle` and :class:`ReplyTooDeep`.
    """
    parent = (
        Comment.objects.filter(pk=parent_id, status=CommentStatus.APPROVED)
        .only("pk", "page_id", "thread_id", "level", "path")
        .first()
    )
    if parent is None:
        raise ParentNotFound()
    if parent.page_id != article.pk:
        raise ParentOnOtherArticle()
    if not can_have_replies(parent.level):
        raise ReplyTooDeep()
    return parent


def notify_moderators_after_commit():
    """Enqueue the moderators' batch (a task, off the request); never raise.

    A named function, not a ``functools.partial``: before Django 6.1,
    ``on_commit(robust=True)`` crashes while logging a failing partial (it
    has no ``__qualname__``), which turned a mail server outage into an HTTP
    500 for a reader whose comment was stored. Failures are logged here.
    """
    from .notifications import schedule_batch

    try:
        schedule_batch()
    except Exception:
        logger.exception(
            "Could not enqueue the moderators' email about waiting comments; "
            "the comments are stored and will be in the next batch"
        )


def classify(author_name, body, *, email="", ip_address="", user_agent=""):
    """The status a new comment gets from the word lists and its links.

    The lists match the normalized text, as the duplicate check compares it:
    zero-width characters, soft hyphens and full-width letters hide no word.
    """
    haystack = "\n".join(
        normalize_for_comparison(field)
        for field in (author_name, email, body, ip_address, user_agent)
    )
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
    """Whether normalized ``text`` holds any of ``words``, normalized alike."""
    return any(word in text for word in _normalized_words(tuple(words)))


@functools.lru_cache(maxsize=4)
def _normalized_words(words):
    """A word list, normalized once per setting's value; blank entries dropped."""
    normalized = (normalize_for_comparison.__wrapped__(word) for word in words)
    return tuple(word for word in normalized if word)
