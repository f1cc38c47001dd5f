from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "tests.swapped.blog"
    label = "blog"
    default_auto_field = "django.db.models.BigAutoField"
