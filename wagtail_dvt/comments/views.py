"""The article page's "Write a comment" form: rendering and posting.

Posting follows post/redirect/get: an accepted comment redirects back to the
article with a ``?comment_status=`` flag, which the plugin's own template turns
into a notice, so it works in sites whose base template shows no Django
messages and needs no session. A refused comment re-renders the article with
the form, the reader's text and the reason, with the HTTP status of the refusal
(and ``Retry-After`` on 429). The rules themselves live in
:mod:`wagtail_dvt.comments.admission`.
"""

import ipaddress

from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting
from ..models import CommentStatus
from ..privacy.notice import privacy_policy_url
from .admission import (
    CommentFlood,
    CommentRefused,
    CommentsClosed,
    InvalidComment,
    submit_comment,
)
from .forms import CommentForm

STATUS_PARAM = "comment_status"
NOTICES = {
    # Spam gets the pending notice too: a spammer learns nothing.
    "pending": _(
        "Thank you! Your comment is awaiting moderation. "
        "It will appear here once a moderator has approved it."
    ),
    "published": _("Thank you! Your comment has been published."),
}


def client_ip(request):
    """The client's address: ``REMOTE_ADDR``, or the trusted proxy header.

    With ``TRUSTED_PROXY_HEADER`` set (e.g. ``"X-Forwarded-For"``), the entry
    ``TRUSTED_PROXY_COUNT`` places from the right of that comma-separated
    header is used: entries further left were written by the client and can
    be forged. Falls back to ``REMOTE_ADDR`` when the header is missing or
    malformed.
    """
    header = get_setting("TRUSTED_PROXY_HEADER")
    if header:
        entries = [
            entry.strip()
            for entry in request.headers.get(header, "").split(",")
            if entry.strip()
        ]
        count = max(1, get_setting("TRUSTED_PROXY_COUNT"))
        if len(entries) >= count:
            address = _valid_ip(entries[-count])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def comment_form_context(request, page):
    """Template context for the comment form on ``page``.

    ``accepting_comments`` is false when the form would be refused anyway
    (comments closed, or a private page); ``comment_notice`` is the message
    after a successful post.
    """
    page_url = page.get_url(request)
    accepting = bool(page_url and page.live and page.comments_open)
    if accepting:
        accepting = not page.is_restricted(request)
    return {
        "accepting_comments": accepting,
        "comment_form": CommentForm(page=page) if accepting else None,
        "comment_form_action": (
            page_url + page.reverse_subpage("comment").lstrip("/") if accepting else ""
        ),
        "comments_moderated": not get_setting("AUTO_APPROVE"),
        "comment_notice": NOTICES.get(request.GET.get(STATUS_PARAM, "")),
        "comment_error": None,
        "comment_privacy_url": privacy_policy_url(request),
    }


def post_comment(request, page):
    """Handle a post of the article page's comment form."""
    if request.method != "POST":
        return HttpResponseRedirect(f"{page.get_url(request)}#comment-form")

    form = CommentForm(request.POST, page=page)
    if not form.is_valid():
        return _render_form(request, page, form, status=400)

    try:
        comment = submit_comment(
            page,
            **form.comment_fields(),
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except InvalidComment as refusal:
        for field, messages in refusal.errors.items():
            form.add_error(field if field in form.fields else None, messages)
        return _render_form(request, page, form, status=refusal.status_code)
    except CommentRefused as refusal:
        if refusal.status_code == 404:
            raise Http404(refusal.message) from refusal
        if isinstance(refusal, CommentsClosed):
            form = None  # There is nothing to resubmit.
        response = _render_form(
            request, page, form, status=refusal.status_code, error=refusal.message
        )
        if isinstance(refusal, CommentFlood):
            response["Retry-After"] = str(refusal.retry_after)
        return response

    state = "published" if comment.status == CommentStatus.APPROVED else "pending"
    response = HttpResponseRedirect(
        f"{page.get_url(request)}?{STATUS_PARAM}={state}#comment-form"
    )
    response.status_code = 303  # See Other: the browser GETs the article.
    return response


def _render_form(request, page, form, *, status, error=None):
    response = page.render(
        request, context_overrides={"comment_form": form, "comment_error": error}
    )
    response.status_code = status
    return response
