"""The privacy notice of the comment form: where the site's policy is."""

from __future__ import annotations

from ..conf import get_setting


def privacy_policy_url(request=None) -> str | None:
    """``PRIVACY_POLICY_URL`` as a link: the URL, or the URL of the page with
    that id (``None`` if it is not live, or the setting is empty)."""
    value = get_setting("PRIVACY_POLICY_URL")
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        from ..models import get_base_page_model

        page = get_base_page_model().objects.filter(pk=int(value), live=True).first()
        return page.get_url(request) if page is not None else None
    return str(value)
