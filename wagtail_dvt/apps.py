from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailDvtAppConfig(AppConfig):
    name = "wagtail_dvt"
    label = "wagtail_dvt"
    verbose_name = _("Articles and reader comments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
