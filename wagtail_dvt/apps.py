from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class WagtailDvtAppConfig(AppConfig):
    name = "wagtail_dvt"
    label = "wagtail_dvt"
    verbose_name = _("Articles and reader comments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .conf import check_unknown_settings

        checks.register(check_unknown_settings, checks.Tags.compatibility)

        # Connects the receiver that records deleted comments.
        from . import tombstones  # noqa: F401
