"""The plugin's settings: one ``WAGTAIL_DVT`` dict in the site's settings.

Read through :func:`get_setting` on every use, so ``override_settings`` in
tests and per-process reconfiguration need no cache invalidation.
"""

from django.conf import settings

DEFAULTS = {
    # Template that ``wagtail_dvt/article_page.html`` extends.
    "BASE_TEMPLATE": "base.html",
    # Status given to imported comments; they were already public at the source.
    "IMPORT_COMMENT_STATUS": "approved",
}


def get_setting(name):
    """Return ``WAGTAIL_DVT[name]``, falling back to :data:`DEFAULTS`."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown wagtail-dvt setting {name!r}")
    return getattr(settings, "WAGTAIL_DVT", {}).get(name, DEFAULTS[name])
