"""Who may post comments through the API, and the token anonymous posts carry.

``WAGTAIL_DVT["API_COMMENTS"]`` chooses:

- ``"token"`` (the default): anyone, with a per-article signed token fetched
  from the comments token endpoint and an empty honeypot field, the same
  protection as the page's form (its ``FORM_TOKEN_MIN_AGE`` and
  ``FORM_TOKEN_MAX_AGE``); a token serves one comment;
- ``"open"``: anyone, with no token (the flood limit and word lists only);
- ``"authenticated"``: signed-in users only;
- ``"off"``: nobody.

With ``COMMENTS_REQUIRE_LOGIN``, ``"token"`` and ``"open"`` act as
``"authenticated"``: comments are sign-in only, on the page and here alike.

The token travels in the JSON body, not in a header, so a cross-origin
front-end needs no extra CORS header for it. Every refusal carries a stable
``code`` for clients to branch on.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ..comments.accounts import login_required
from ..comments.admission import ArticleNotFound, CommentRefused, CommentsClosed
from ..comments.forms import FormTokenSigner
from ..conf import get_setting
from .common import public_articles

MODES = ("token", "open", "authenticated", "off")

#: The names of the JSON body's token and honeypot fields.
TOKEN_FIELD = "token"  # noqa: S105 - a field name
HONEYPOT_FIELD = "honeypot"

API_TOKEN_SALT = "wagtail_dvt.api-comment"  # noqa: S105 - a signing salt


class ApiTokenSigner(FormTokenSigner):
    """The form's signer, with a salt of its own: form and API tokens differ."""

    token_salt = API_TOKEN_SALT


class ApiPostRefused(CommentRefused):
    """An API post refused before the comment rules are applied."""

    status_code = 400
    code = "api_post_refused"


class TokenMissing(ApiPostRefused):
    code = "token_missing"
    default_message = _(
        "Fetch a comment token for this article and send it as “token”."
    )


class TokenInvalid(ApiPostRefused):
    code = "token_invalid"
    default_message = _(
        "The comment token is invalid or belongs to another article. Fetch a new one."
    )


class TokenExpired(ApiPostRefused):
    code = "token_expired"
    default_message = _("The comment token has expired. Fetch a new one.")


class TooFast(ApiPostRefused):
    code = "too_fast"
    default_message = _(
        "That was quick! Please check your comment, then send it again."
    )


#: The API's refusal for each of :meth:`FormTokenSigner.problem`'s answers.
TOKEN_REFUSALS = {
    "expired": TokenExpired,
    "bad_token": TokenInvalid,
    "too_fast": TooFast,
}


class HoneypotFilled(ApiPostRefused):
    code = "honeypot"
    default_message = _("Sorry, your comment could not be accepted.")


class AuthenticationRequired(ApiPostRefused):
    """No signed-in user; API v3 answers 401 with a Bearer challenge instead."""

    status_code = 403
    code = "authentication_required"
    default_message = _("Sign in to post a comment.")


class ApiCommentsOff(ApiPostRefused):
    status_code = 403
    code = "api_comments_off"
    default_message = _("Comments cannot be posted through the API.")


def api_comments_mode() -> str:
    """The posting mode in force: ``API_COMMENTS``, checked.

    ``"authenticated"`` in place of ``"token"`` and ``"open"`` when
    ``COMMENTS_REQUIRE_LOGIN`` is on.
    """
    mode = get_setting("API_COMMENTS")
    if mode not in MODES:
        raise ImproperlyConfigured(
            f'WAGTAIL_DVT["API_COMMENTS"] must be one of {", ".join(MODES)}; '
            f"got {mode!r}"
        )
    if mode in ("token", "open") and login_required():
        return "authenticated"
    return mode


def make_api_token(article) -> str:
    """A fresh API comment token for ``article``."""
    return ApiTokenSigner().make(article.pk)


def issue_api_token(request, article_id: int) -> dict:
    """The token endpoints' answer for the article with ``article_id``.

    Only live, public articles of the request's Site with comments open get
    one; otherwise raises :class:`~wagtail_dvt.comments.admission.ArticleNotFound`
    or :class:`~wagtail_dvt.comments.admission.CommentsClosed`, as a post would.
    """
    if api_comments_mode() == "off":
        raise ApiCommentsOff()
    article = public_articles(request).filter(pk=article_id).first()
    if article is None:
        raise ArticleNotFound()
    if not article.comments_open:
        raise CommentsClosed()
    return {
        "article": article.pk,
        "token": make_api_token(article),
        "min_age": get_setting("FORM_TOKEN_MIN_AGE"),
        "max_age": get_setting("FORM_TOKEN_MAX_AGE"),
    }


def check_api_post(user, article_id: int, *, token: str, honeypot: str) -> str | None:
    """Refuse an API post the ``API_COMMENTS`` setting does not let through.

    ``user`` is the request's user, as the API authenticated it. Raises an
    :class:`ApiPostRefused` subclass; if the post may go on to
    :func:`~wagtail_dvt.comments.admission.submit_comment`'s rules, returns
    the token it must spend there (``None`` in the modes without one).
    """
    mode = api_comments_mode()
    if mode == "off":
        raise ApiCommentsOff()
    if mode == "authenticated" and not (user and user.is_authenticated):
        raise AuthenticationRequired()
    if honeypot:
        raise HoneypotFilled()
    if mode != "token":
        return None
    if not token:
        raise TokenMissing()
    problem = ApiTokenSigner().problem(token, article_id)
    if problem:
        raise TOKEN_REFUSALS[problem]()
    return token
