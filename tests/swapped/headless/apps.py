from django.apps import AppConfig


class HeadlessConfig(AppConfig):
    name = "tests.swapped.headless"
    label = "swapped_headless"
    default_auto_field = "django.db.models.BigAutoField"
