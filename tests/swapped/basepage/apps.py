from django.apps import AppConfig


class BasePageConfig(AppConfig):
    name = "tests.swapped.basepage"
    label = "basepage"
    default_auto_field = "django.db.models.BigAutoField"
