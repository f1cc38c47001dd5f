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
from ..models import (
    COMMENTS_PAGE_PARAMETER,
    Comment,
    CommentStatus,
    source_shows_comments,
)
from ..privacy.notice import privacy_policy_url
from .accounts import login_required, login_url, signed_in
from .admission import (
    ArticleNotFound,
    CommentFlood,
    CommentRefused,
    CommentsClosed,
    InvalidComment,
    LoginRequired,
    ReplyRefused,
    submit_comment,
)
from .forms import CommentForm
from .reports import InvalidReportReason, ReportFlood, ReportReason, submit_report
from .threads import can_have_replies

STATUS_PARAM = "comment_status"
#: The query parameter of the notice after a report.
REPORT_STATUS_PARAM = "report_status"
REPORT_NOTICE = _("Thank you. Moderators will look at the comment you reported.")
#: The query parameter of a "Reply" link: the id of the comment answered.
REPLY_PARAM = "replyto"
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


def reply_target(page, parent_id):
    """The comment on ``page`` a reader may answer with ``parent_id``, or ``None``.

    Approved, on the page's article (an alias's source) and above
    ``MAX_THREAD_DEPTH``; anything else opens the plain form.
    """
    parent_id = parse_reply_id(parent_id)
    if parent_id is None:
        return None
    target = (
        Comment.objects.filter(
            pk=parent_id, page_id=page.comments_source_id, status=CommentStatus.APPROVED
        )
        .only("pk", "author_name", "level")
        .first()
    )
    return target if target is not None and can_have_replies(target.level) else None


def parse_reply_id(value):
    """``value`` as a comment id, or ``None``."""
    value = str(value or "")
    if value.isascii() and value.isdigit() and 0 < len(value) <= 18:
        return int(value)
    return None


def comment_form_context(request, page):
    """Template context for the comment form on ``page``.

    ``accepting_comments`` is false when the form would be refused anyway
    (comments closed, or a private page); ``comment_notice`` is the message
    after a successful post. ``replying_to`` is the comment a "Reply" link
    (``?replyto=<id>``) answers, and ``reply_cancel_url`` leads back to the
    plain form. ``comment_login_url`` is set instead of a form when only
    signed-in users may comment (``COMMENTS_REQUIRE_LOGIN``) and the reader
    is not: it leads to ``LOGIN_URL`` and back to the form.
    """
    page_url = page.get_url(request)
    accepting = bool(page_url and page.live and page.comments_open)
    if accepting:
        accepting = not page.is_restricted(request)
    replying_to = accepting and reply_target(page, request.GET.get(REPLY_PARAM))
    user = getattr(request, "user", None)
    form = None
    sign_in = accepting and login_required() and not signed_in(user)
    if accepting and not sign_in:
        form = CommentForm(
            page=page,
            user=user,
            initial={"parent": replying_to.pk if replying_to else None},
        )
    return {
        "accepting_comments": accepting,
        "reply_param": REPLY_PARAM,
        "replying_to": replying_to or None,
        "reply_cancel_url": f"{page_url}#comment-form" if page_url else "",
        "comment_form": form,
        "comment_login_url": (
            login_url(_form_url(page_url, replying_to)) if sign_in else ""
        ),
        "comment_form_action": (
            page_url + page.reverse_subpage("comment").lstrip("/") if accepting else ""
        ),
        "comments_moderated": not get_setting("AUTO_APPROVE"),
        "comment_notice": NOTICES.get(request.GET.get(STATUS_PARAM, "")),
        "comment_error": None,
        "comment_privacy_url": privacy_policy_url(request),
        # Each comment's "Report" form posts to <prefix><id>/report/.
        "report_url_prefix": f"{page_url}comments/" if page_url else "",
        "report_reasons": ReportReason.choices,
        "report_notice": (
            REPORT_NOTICE if request.GET.get(REPORT_STATUS_PARAM) == "sent" else None
        ),
        "report_error": None,
    }


def _form_url(page_url, replying_to):
    """The form's place on the page, open as the reply it was, if one."""
    query = f"?{REPLY_PARAM}={replying_to.pk}" if replying_to else ""
    return f"{page_url}{query}#comment-form"


def post_comment(request, page):
    """Handle a post of the article page's comment form."""
    if request.method != "POST":
        return HttpResponseRedirect(f"{page.get_url(request)}#comment-form")

    user = getattr(request, "user", None)
    form = CommentForm(request.POST, page=page, user=user)
    if not form.is_valid():
        return _render_form(request, page, form, status=400)

    try:
        comment = submit_comment(
            page,
            **form.comment_fields(),
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            user=user,
        )
    except InvalidComment as refusal:
        for field, messages in refusal.errors.items():
            form.add_error(field if field in form.fields else None, messages)
        return _render_form(request, page, form, status=refusal.status_code)
    except CommentRefused as refusal:
        if isinstance(refusal, ArticleNotFound):
            raise Http404(refusal.message) from refusal
        if isinstance(refusal, CommentsClosed | LoginRequired):
            form = None  # There is nothing to resubmit.
        # A refused reply is the reader's to correct, on the page they see.
        status = 400 if isinstance(refusal, ReplyRefused) else refusal.status_code
        response = _render_form(
            request, page, form, status=status, error=refusal.message
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
    # A refused reply re-opens as a reply, if its parent can still be answered.
    replying_to = form is not None and reply_target(page, form.data.get("parent"))
    response = page.render(
        request,
        context_overrides={
            "comment_form": form,
            "comment_error": error,
            "replying_to": replying_to or None,
        },
    )
    response.status_code = status
    return response


def report_comment(request, page, comment_id):
    """Handle a reader's "Report" of a comment shown on ``page``.

    Redirects back with a notice whether or not the comment could be
    reported (hidden, missing, reported before): only the reason and the
    flood interval are refused, and they say nothing of the comment.
    """
    page_url = page.get_url(request)
    if request.method != "POST":
        return HttpResponseRedirect(f"{page_url}#comments")
    source_id = page.comments_source_id
    visible = Comment.objects.filter(page_id=source_id, status=CommentStatus.APPROVED)
    if source_id != page.pk and not source_shows_comments(source_id, request):
        visible = visible.none()
    try:
        submit_report(
            visible,
            comment_id,
            reason=request.POST.get("reason"),
            user=getattr(request, "user", None),
            ip_address=client_ip(request),
        )
    except (InvalidReportReason, ReportFlood) as refusal:
        response = page.render(
            request, context_overrides={"report_error": refusal.message}
        )
        response.status_code = refusal.status_code
        if isinstance(refusal, ReportFlood):
            response["Retry-After"] = str(refusal.retry_after)
        return response
    query = f"{REPORT_STATUS_PARAM}=sent"
    comments_page = parse_reply_id(request.POST.get(COMMENTS_PAGE_PARAMETER))
    if comments_page is not None:
        query += f"&{COMMENTS_PAGE_PARAMETER}={comments_page}"
    response = HttpResponseRedirect(f"{page_url}?{query}#comments")
    response.status_code = 303
    return response
