"""Find a page from what a user types on the command line.

A page id, a URL path as readers visit it (``/fr/blog/``, with the language
prefix of ``i18n_patterns``) or a full URL (``https://b.example.com/blog/``),
resolved as Wagtail routes a request: the Site by host and port, the root
page's translation for the language, then the path under that root.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.utils.translation import get_language_from_path
from wagtail.models import Locale, Page, Site
from wagtail.models.sites import get_site_for_hostname

from ..models import get_base_page_model


class PageNotFound(LookupError):
    """No page matches the reference, or there is no Site to look in."""


def find_page(
    reference: Page | int | str | None = None, *, locale: str | None = None
) -> Page:
    """Return the specific page for a page, its id, a URL path or a URL.

    ``None`` and "/" mean the default Site's root page, as ``wagtail start``
    sites expect. With ``locale`` (a language code), the page's translation
    in that locale is returned instead.
    """
    page = _find(reference)
    if locale is not None:
        page = _translation(page, locale)
    return page.specific


def _find(reference) -> Page:
    page_model = get_base_page_model()
    if isinstance(reference, page_model):
        return reference
    text = "" if reference is None else str(reference).strip()
    if text.isascii() and text.isdigit():
        page = page_model.objects.filter(pk=int(text)).first()
        if page is None:
            raise PageNotFound(f"no page found for {reference!r}")
        return page
    url = urlsplit(text)
    if url.scheme or url.netloc:
        site = _site_for_url(url, reference)
    else:
        site = Site.objects.filter(is_default_site=True).select_related("root_page")
        site = site.first()
        if site is None:
            raise PageNotFound("there is no default Site; give a page id or a URL")
    root, path = _localized_root(site.root_page, "/" + url.path.lstrip("/"))
    path = path.strip("/")
    if not path:
        return root
    page = page_model.objects.filter(url_path=f"{root.url_path}{path}/").first()
    if page is None:
        raise PageNotFound(f"no page found for {reference!r}")
    return page


def _site_for_url(url, reference) -> Site:
    """The Site serving ``url``'s host and port; never another Site's fallback."""
    if url.scheme not in ("http", "https") or not url.hostname:
        raise PageNotFound(f"{reference!r} is not an http or https URL")
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        raise PageNotFound(f"{reference!r} has an invalid port") from None
    try:
        site = get_site_for_hostname(url.hostname, port)
    except Site.DoesNotExist:
        site = None
    # Wagtail serves unknown hosts from the default Site; an import asked for
    # a named host must not land in another Site by that fallback.
    if site is None or site.hostname != url.hostname:
        raise PageNotFound(f"no Site serves the host {url.hostname!r} of {reference!r}")
    return site


def _localized_root(root: Page, path: str) -> tuple[Page, str]:
    """Strip an ``i18n_patterns`` language prefix and pick the root's translation.

    Without a prefix (or without ``i18n_patterns``), the Site's root page itself.
    """
    prefixed, _ = is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    language = get_language_from_path(path) if prefixed else None
    if language is None:
        return root, path
    path = "/" + path.lstrip("/").partition("/")[2]
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return root, path
    try:
        locale = Locale.objects.get_for_language(language)
    except (Locale.DoesNotExist, LookupError):
        return root, path
    return root.get_translation_or_none(locale) or root, path


def _translation(page: Page, language: str) -> Page:
    try:
        locale = Locale.objects.get_for_language(language)
    except (Locale.DoesNotExist, LookupError):
        raise PageNotFound(f"there is no locale {language!r} in Wagtail") from None
    if page.locale_id == locale.pk:
        return page
    translation = page.get_translation_or_none(locale)
    if translation is None:
        raise PageNotFound(
            f"{page.title!r} has no translation in the locale {language!r}; "
            "translate it first, or give the translated page as --parent"
        )
    return translation
