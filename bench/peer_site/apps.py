from django.apps import AppConfig


class PeerSiteConfig(AppConfig):
    name = "bench.peer_site"
    label = "peer_site"
    default_auto_field = "django.db.models.BigAutoField"
