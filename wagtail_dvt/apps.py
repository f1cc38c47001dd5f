from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailDvtAppConfig(AppConfig):
    name = "wagtail_dvt"
    label = "wagtail_dvt"
    verbose_name = _("Articles and reader comments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing these registers the system checks and connects the
        # receivers that purge caches and record deleted comments.
        from . import background, cache, checks, tombstones  # noqa: F401
        from .comments import reply_notifications

        background.connect()
        cache.connect()
        reply_notifications.connect()
