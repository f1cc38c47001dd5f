"""System checks, run by ``manage.py check``: what a site must write for the
plugin to fit its page models, and settings it would otherwise trip over."""

import swapper
from django.core import checks
from wagtail import VERSION as WAGTAIL_VERSION

from .conf import check_unknown_settings, get_setting

checks.register(check_unknown_settings, checks.Tags.compatibility)


@checks.register(checks.Tags.models)
def check_article_model_fits_page_model(app_configs=None, **kwargs):
    """wagtail_dvt.E001: a custom base page model needs the site's own article model.

    The default ``wagtail_dvt.ArticlePage`` subclasses Wagtail's ``Page``, which
    a custom ``WAGTAIL_PAGE_MODEL`` replaces; Django then reports the broken
    ``page_ptr`` (fields.E301) without saying what to do about it.
    """
    if WAGTAIL_VERSION < (8, 0):
        return []
    page_model = swapper.is_swapped("wagtailcore", "Page")
    if not page_model or swapper.is_swapped("wagtail_dvt", "ArticlePage"):
        return []
    base_page = swapper.load_model("wagtailcore", "Page", required=False)
    if base_page is None:
        return []  # Django reports the missing page model itself.
    name = base_page.__name__
    return [
        checks.Error(
            f"WAGTAIL_PAGE_MODEL is {page_model!r}, so wagtail-dvt's default "
            "ArticlePage (built on wagtailcore.Page) cannot be used.",
            hint=(
                "Define your own article model on your base page, in an app of "
                "yours such as blog/models.py:\n"
                f"    from {base_page.__module__} import {name}\n"
                "    from wagtail_dvt.models import ArticlePageMixin\n\n"
                f"    class ArticlePage(ArticlePageMixin, {name}):\n"
                "        pass\n\n"
                "then set in your settings:\n"
                '    WAGTAIL_DVT_ARTICLEPAGE_MODEL = "blog.ArticlePage"\n'
                "and run makemigrations and migrate. "
                "See docs/custom-article-model.md."
            ),
            id="wagtail_dvt.E001",
        )
    ]


@checks.register()
def check_api_comments_mode(app_configs=None, **kwargs):
    """wagtail_dvt.E002: an unknown ``API_COMMENTS`` would fail every API post."""
    from .api.tokens import MODES
    from .conf import get_setting

    mode = get_setting("API_COMMENTS")
    if mode in MODES:
        return []
    return [
        checks.Error(
            f'WAGTAIL_DVT["API_COMMENTS"] is {mode!r}.',
            hint="Use one of: " + ", ".join(repr(m) for m in MODES) + ".",
            id="wagtail_dvt.E002",
        )
    ]


@checks.register()
def check_proxy_settings(app_configs=None, **kwargs):
    """wagtail_dvt.W002: proxy settings that cannot give a client address.

    Without an address every reader counts as one shared client for the
    flood limit (it fails closed): a site that meant to read the proxy's
    header would then refuse all but one comment per interval.
    """
    from django.conf import settings

    configured = getattr(settings, "WAGTAIL_DVT", {}) or {}
    header = configured.get("TRUSTED_PROXY_HEADER")
    problems = []
    if "TRUSTED_PROXY_COUNT" in configured and not header:
        problems.append(
            "TRUSTED_PROXY_COUNT is set but TRUSTED_PROXY_HEADER is not: the count "
            "is ignored and the client address is REMOTE_ADDR."
        )
    count = configured.get("TRUSTED_PROXY_COUNT", 1)
    if type(count) is not int or count < 1:
        problems.append(f"TRUSTED_PROXY_COUNT is {count!r}; it must be 1 or more.")
    if header is not None and (not isinstance(header, str) or not header.strip()):
        problems.append(f"TRUSTED_PROXY_HEADER is {header!r}; it must name a header.")
    return [
        checks.Warning(
            f"WAGTAIL_DVT proxy settings: {problem}",
            hint=(
                "Set TRUSTED_PROXY_HEADER to the header your proxy overwrites or "
                'appends to (e.g. "X-Forwarded-For") and TRUSTED_PROXY_COUNT to '
                "the number of proxies that append to it. Readers whose address "
                "cannot be read share one flood interval. See docs/configuration.md."
            ),
            obj="settings.WAGTAIL_DVT",
            id="wagtail_dvt.W002",
        )
        for problem in problems
    ]


#: The public pages that the plugin's emails link to: (URL name, the include a
#: site adds, what goes without it).
EMAIL_LINK_PAGES = [
    (
        "wagtail_dvt_mail:unsubscribe",
        'path("comments/", include("wagtail_dvt.comments.urls"))',
        "reply notifications are not sent",
    ),
    (
        "wagtail_dvt_privacy:confirm",
        'path("personal-data/", include("wagtail_dvt.privacy.urls"))',
        "moderators cannot record people's data requests",
    ),
]


@checks.register(checks.Tags.urls)
def check_email_link_pages(app_configs=None, **kwargs):
    """wagtail_dvt.W003: a page that the plugin's emails link to has no URL.

    Said at start-up, not only in a log line when the first email is due:
    an upgrade that adds such a page needs a line in the site's URLconf.
    """
    from django.urls import NoReverseMatch, reverse

    missing = []
    for name, include, consequence in EMAIL_LINK_PAGES:
        if name.startswith("wagtail_dvt_mail:") and not get_setting("NOTIFY_REPLIES"):
            continue
        try:
            reverse(name, args=["token"])
        except NoReverseMatch:
            missing.append((include, consequence))
    return [
        checks.Warning(
            f"The site's URLconf lacks {include}: {consequence}.",
            hint="Add it before Wagtail's pages (see docs/installation.md).",
            obj="settings.ROOT_URLCONF",
            id="wagtail_dvt.W003",
        )
        for include, consequence in missing
    ]
