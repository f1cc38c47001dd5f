"""Every stable ``code`` an error of the comments endpoints carries, in one place.

API v2 sends it next to ``message``, v3 in its problem details; v3's OpenAPI
document publishes the keys below as the enum of ``code``, so generated
clients can branch on them. A new refusal (replies, reports...) adds its code
here: ``tests/test_api_contract.py`` fails while a refusal's code, or one of
the codes the endpoints give by status, is missing, and while docs/api.md's
table of codes differs from this one.
"""

from __future__ import annotations

#: Each code and when it is sent; the order is docs/api.md's.
ERROR_CODES: dict[str, str] = {
    # The comment rules (wagtail_dvt.comments.admission).
    "invalid_comment": "The comment rules refuse a field; `errors` says which.",
    "comments_closed": "Comments are closed on the article, or it is private.",
    "article_not_found": "No live article has the posted `article` id.",
    "comment_duplicate": "The same name already posted the same published text.",
    "comment_flood": "The client posted too recently; see `Retry-After`.",
    "parent_not_found": "The `parent` is no comment readers see (missing or hidden).",
    "parent_other_article": "The `parent` is a comment on another article.",
    "reply_too_deep": "The `parent` is at `MAX_THREAD_DEPTH` already.",
    "token_used": "The token already served a comment: fetch a new one.",
    "name_reserved": "The name passes for the article's author or a staff user's.",
    "login_required": "`COMMENTS_REQUIRE_LOGIN` is on and no user is signed in.",
    # Reports (wagtail_dvt.comments.reports).
    "invalid_report_reason": "A report's `reason` is none of the documented ones.",
    "notify_replies_needs_email": "`notify_replies` is true, but no `email` is given.",
    # Posting through the API (wagtail_dvt.api.tokens).
    "token_missing": "No `token`, and the posting mode needs one.",
    "token_invalid": "A forged, cut or other article's token.",
    "token_expired": "The token is too old: fetch a new one.",
    "too_fast": "The token is too young: wait and send again.",
    "honeypot": "The honeypot field has a value.",
    "authentication_required": "The posting mode needs a signed-in user.",
    "api_comments_off": "Posting through the API is off.",
    # The endpoints themselves (wagtail_dvt.api.common).
    "comment_not_found": "No approved comment on a public article has that id.",
    "invalid_json": "The body is not JSON, or nests too deep to read.",
    "unsupported_media_type": "The body is not sent as `application/json`.",
    "request_too_large": "The body is over `DATA_UPLOAD_MAX_MEMORY_SIZE`.",
    "invalid_request": "A parameter or the body does not match the documented ones.",
    "permission_denied": "v2: the session's CSRF check failed.",
    "unauthorized": "A bearer token was refused.",
    "method_not_allowed": "The endpoint has no such method.",
    "not_acceptable": "No answer in an accepted media type.",
    "error": "Any other error: not expected from these endpoints.",
}
