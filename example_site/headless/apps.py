from django.apps import AppConfig


class HeadlessConfig(AppConfig):
    """The headless preview recipe of docs/api.md; installed by the test settings."""

    name = "example_site.headless"
    label = "headless"
    default_auto_field = "django.db.models.BigAutoField"
