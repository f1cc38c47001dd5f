"""System checks for the ``WAGTAIL_DVT`` settings, run by ``manage.py check``."""

from django.core import checks

from .conf import check_unknown_settings

checks.register(check_unknown_settings, checks.Tags.compatibility)


@checks.register()
def check_api_comments_mode(app_configs=None, **kwargs):
    """An unknown ``API_COMMENTS`` would fail every comments API request."""
    from .api.tokens import MODES
    from .conf import get_setting

    mode = get_setting("API_COMMENTS")
    if mode in MODES:
        return []
    return [
        checks.Error(
            f'WAGTAIL_DVT["API_COMMENTS"] is {mode!r}.',
            hint="Use one of: " + ", ".join(repr(m) for m in MODES) + ".",
            id="wagtail_dvt.E001",
        )
    ]
