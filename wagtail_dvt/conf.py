"""The plugin's settings: one ``WAGTAIL_DVT`` dict in the site's settings.

Read through :func:`get_setting` on every use, so ``override_settings`` in
tests and per-process reconfiguration need no cache invalidation. Keys this
version does not know are ignored, with a system check warning
(``wagtail_dvt.W001``): sites share settings across versions of the plugin.
"""

from django.conf import settings
from django.core import checks

DEFAULTS = {
    # Template that ``wagtail_dvt/article_page.html`` extends.
    "BASE_TEMPLATE": "base.html",
    # Status given to imported comments; they were already public at the source.
    "IMPORT_COMMENT_STATUS": "approved",
    # Largest document, in bytes, that the importer reads (files and stdin);
    # the bundled article is 10 kB.
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    # An upload in the admin's "Import articles": its total size once
    # uncompressed, in bytes, and its number of documents.
    "IMPORT_MAX_TOTAL_BYTES": 100 * 1024 * 1024,
    "IMPORT_MAX_FILES": 500,
    # Days a tombstone of a deleted comment is kept; None keeps it forever.
    # Once purged, a re-import may bring its comment back (docs/commands.md).
    "TOMBSTONE_RETENTION_DAYS": None,
    # Keep a keyed hash of a deleted comment's email in its tombstone, so that
    # a person's data request finds it (erasure clears it).
    "TOMBSTONE_EMAIL_HASH": True,
    # Approved comments shown per page of an article; links lead to the rest.
    "COMMENTS_PER_PAGE": 50,
    # Most approved comments embedded in an article's API representation,
    # oldest first; the rest are read from the comments endpoint, which the
    # article's ``comments_url`` points at. 0 embeds none.
    "API_EMBEDDED_COMMENTS_LIMIT": 20,
    # -- Reader comments (see docs/moderation.md) --
    # How many levels threads of replies have (docs/conversations.md):
    # 3 is a comment, a reply and a reply to it; 1 means flat comments.
    "MAX_THREAD_DEPTH": 3,
    # Longest name and comment text a reader may send, in characters. The
    # name is also capped by the model's 255-character column.
    "COMMENT_NAME_MAX_LENGTH": 100,
    "COMMENT_BODY_MAX_LENGTH": 5000,
    # Store new comments as approved instead of pending (the rules below that
    # hold a comment for moderation or mark it spam still apply).
    "AUTO_APPROVE": False,
    # Only signed-in users may comment, on the page and through the API
    # (docs/conversations.md): the page shows a link to LOGIN_URL instead of
    # the form, and the API's "token" and "open" modes act as "authenticated".
    "COMMENTS_REQUIRE_LOGIN": False,
    # Seconds a client address must wait between two comments (HTTP 429);
    # a reader's report of a comment counts as a post.
    "FLOOD_INTERVAL": 15,
    # Reports from this many distinct readers move an approved comment back
    # to pending for moderators to look at (docs/conversations.md). None or
    # 0: reports never hide a comment by themselves.
    "REPORTS_TO_HIDE": 3,
    # A comment with more links than this is held for moderation; None: no limit.
    "MAX_LINKS": 2,
    # Words or phrases that hold a comment for moderation, or mark it spam.
    # Matched case-insensitively anywhere in the name, email, comment text,
    # IP address or user agent, as WordPress does.
    "MODERATION_WORDS": [],
    "DISALLOWED_WORDS": [],
    # Email moderators (active users with "Can moderate reader comments",
    # and superusers) when comments wait for moderation.
    "NOTIFY_MODERATORS": True,
    # At most one email per moderator per interval, listing every comment
    # that waits: seconds, or a datetime.timedelta. Sent by a task after the
    # first post after the interval; with a worker, at the interval's end;
    # without one, by the next post or the send_comment_notifications command.
    "NOTIFY_INTERVAL": 15 * 60,
    # Offer readers "Email me when someone replies" (docs/conversations.md):
    # each opted-in address gets at most one email per NOTIFY_INTERVAL,
    # listing the replies. Needs wagtail_dvt.comments.urls in the URLconf.
    "NOTIFY_REPLIES": True,
    # Seconds the moderators' mail waits on an unanswering SMTP server before
    # it gives up: it runs in a task, and a stuck server must not hold the
    # worker (or the default background thread). Caps the site's own timeout
    # for this mail; None leaves the site's (EMAIL_TIMEOUT or MAILERS).
    "MAIL_TIMEOUT": 2,
    # Seconds before each retry of a batch that the mail server refused or
    # never answered, with a worker that runs deferred tasks; after the last,
    # the comments wait for the next batch.
    "MAIL_RETRY_DELAYS": [60, 300, 900],
    # Seconds a sender holds a batch of mail without renewing its lease (it
    # renews it before each message): a batch whose sender died goes again
    # once it ends. Keep it well above what one message can take, several
    # MAIL_TIMEOUTs.
    "MAIL_LEASE": 120,
    # Age limits, in seconds, of the signed token in the page's comment form:
    # faster posts are bots, older forms have expired.
    "FORM_TOKEN_MIN_AGE": 2,
    "FORM_TOKEN_MAX_AGE": 2 * 60 * 60,
    # Request header holding the client address when the site runs behind a
    # reverse proxy, e.g. "X-Forwarded-For"; None uses REMOTE_ADDR. Only set it
    # if your proxy overwrites or appends to that header: clients can send any
    # value themselves. With a comma-separated list, the address this many
    # entries from the right is used (the one your outermost proxy saw).
    "TRUSTED_PROXY_HEADER": None,
    "TRUSTED_PROXY_COUNT": 1,
    # -- Posting through the API (see docs/api.md) --
    # Who may post comments through the API: "token" (anyone, with a signed
    # token fetched from the API and an empty honeypot, as the page's form),
    # "open" (anyone, no token), "authenticated" (signed-in users) or "off".
    "API_COMMENTS": "token",
    # -- Personal data (see docs/privacy.md) --
    # Days the IP address and user agent of a comment (and the flood rule's
    # record of an address) are kept, counted from when it was posted;
    # ``comment_personal_data prune`` clears older ones. None keeps them.
    "IP_RETENTION_DAYS": 30,
    # Erasing a person's data replaces the text of their comments with "This
    # comment was removed" instead of keeping it (the name always goes).
    "ERASURE_REPLACES_TEXT": False,
    # The site's privacy policy, linked from the comment form's notice: a URL,
    # or the id of a Wagtail page. None shows the notice without a link.
    "PRIVACY_POLICY_URL": None,
    # Days the link in a data request's confirmation email works (WordPress:
    # one day; a week lets people who read their mail weekly answer).
    "PERSONAL_DATA_CONFIRM_DAYS": 7,
    # Days the link that downloads a person's export, emailed to them, works
    # (as WordPress's export files).
    "PERSONAL_DATA_EXPORT_LINK_DAYS": 3,
    # Days a data request (its address, kind and status) is kept, whatever its
    # status; ``comment_personal_data prune`` deletes older ones. None keeps them.
    "PERSONAL_DATA_REQUEST_RETENTION_DAYS": 365,
    # -- Feeds (see docs/templates.md) --
    # Items in each RSS or Atom feed: an article's newest comments, a Site's
    # newest articles.
    "FEED_ITEMS": 20,
    # -- Caching (see docs/deployment.md) --
    # Cache-Control of the API's reads (article details, comment listings):
    # shared caches may store them and must revalidate them with their ETag.
    "API_CACHE_CONTROL": "public, max-age=0, must-revalidate",
    # Headers naming a response's surrogate keys (``wagtail-dvt-article-<id>``),
    # for CDNs that purge by tag: Cloudflare's Cache-Tag, Fastly's and
    # Varnish xkey's Surrogate-Key. An empty list sends none.
    "CACHE_TAG_HEADERS": ["Cache-Tag", "Surrogate-Key"],
}


def get_setting(name):
    """Return ``WAGTAIL_DVT[name]``, falling back to :data:`DEFAULTS`."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown wagtail-dvt setting {name!r}")
    return getattr(settings, "WAGTAIL_DVT", {}).get(name, DEFAULTS[name])


def unknown_settings():
    """Keys of the site's ``WAGTAIL_DVT`` that this version does not know, sorted."""
    configured = getattr(settings, "WAGTAIL_DVT", {}) or {}
    return sorted(str(key) for key in configured if key not in DEFAULTS)


def check_unknown_settings(app_configs=None, **kwargs):
    """Warn, never fail, about ``WAGTAIL_DVT`` keys this version ignores."""
    unknown = unknown_settings()
    if not unknown:
        return []
    return [
        checks.Warning(
            f"WAGTAIL_DVT has keys this version of wagtail-dvt does not know, "
            f"and ignores: {', '.join(unknown)}.",
            hint="Check them for typos against the documented settings, or "
            "remove them if they belong to another version.",
            obj="settings.WAGTAIL_DVT",
            id="wagtail_dvt.W001",
        )
    ]
