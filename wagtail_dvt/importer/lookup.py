"""Find a page from what a user types on the command line: an id or a URL path."""

from wagtail.models import Page, Site

from ..models import get_base_page_model


class PageNotFound(LookupError):
    """No page matches the reference, or there is no default Site to look in."""


def find_page(reference: Page | int | str | None = None) -> Page:
    """Return the specific page for a page, its id, or a URL path.

    URL paths are relative to the default Site ("/blog/"); ``None`` and "/"
    mean the default Site's root page, as ``wagtail start`` sites expect.
    """
    Page = get_base_page_model()
    if isinstance(reference, Page):
        return reference.specific
    if reference is not None and str(reference).isascii() and str(reference).isdigit():
        page = Page.objects.filter(pk=int(reference)).first()
    else:
        site = Site.objects.filter(is_default_site=True).select_related("root_page")
        site = site.first()
        if site is None:
            raise PageNotFound("there is no default Site; give a page id")
        path = "" if reference is None else str(reference).strip("/")
        if not path:
            return site.root_page.specific
        url_path = f"{site.root_page.url_path}{path}/"
        page = Page.objects.filter(url_path=url_path).first()
    if page is None:
        raise PageNotFound(f"no page found for {reference!r}")
    return page.specific
