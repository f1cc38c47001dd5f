"""Signed-in commenters: who they are, and whether they wrote the article.

A signed-in reader comments under their account: the name and email come
from it, never from what was posted, so nobody signed in can write under
another name. A comment by the article's ``owner`` (the Wagtail user who
created the page) is the article author's, shown with an "Author" badge on
the page and ``by_article_author`` in the APIs. ``COMMENTS_REQUIRE_LOGIN``
makes commenting sign-in only.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.http import QueryDict
from django.shortcuts import resolve_url

from ..conf import get_setting


def signed_in(user) -> bool:
    """Whether ``user`` is a signed-in account (not ``None`` or anonymous)."""
    return bool(user is not None and user.is_authenticated)


def login_required() -> bool:
    """Whether only signed-in users may comment (``COMMENTS_REQUIRE_LOGIN``)."""
    return bool(get_setting("COMMENTS_REQUIRE_LOGIN"))


def account_name(user) -> str:
    """The name a signed-in user comments under: the full name, else the username.

    Cut to the comment name's length limit: an account's first and last
    names together may be longer, and the account is not the reader's to
    fix from the comment form.
    """
    from .forms import NAME_COLUMN_LENGTH

    get_full_name = getattr(user, "get_full_name", None)
    name = " ".join((get_full_name() if get_full_name else "").split())
    name = name or user.get_username()
    limit = min(get_setting("COMMENT_NAME_MAX_LENGTH"), NAME_COLUMN_LENGTH)
    return name[:limit]


def account_email(user) -> str:
    """The email address of a signed-in user's account ("" if it has none)."""
    return getattr(user, user.get_email_field_name(), "") or ""


def by_article_author():
    """An expression: whether a comment's account owns its article.

    Evaluated in the query that reads the comments (a join to the article),
    so marking the author's comments costs no query per comment.
    """
    return Case(
        When(Q(user__isnull=False) & Q(user_id=F("page__owner_id")), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def is_article_author(comment) -> bool:
    """Whether ``comment``, in memory with its article, is by the article's owner."""
    return comment.user_id is not None and comment.user_id == comment.page.owner_id


def login_url(next_url: str) -> str:
    """``settings.LOGIN_URL``, with ``?next=`` leading back to ``next_url``.

    As Django's ``redirect_to_login`` builds it: ``next_url`` may carry an
    anchor (``#comment-form``), which the login view then redirects to.
    """
    parts = urlsplit(resolve_url(settings.LOGIN_URL))
    query = QueryDict(parts.query, mutable=True)
    query[REDIRECT_FIELD_NAME] = next_url
    return urlunsplit(parts._replace(query=query.urlencode(safe="/")))
