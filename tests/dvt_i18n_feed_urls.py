"""URLs of a bilingual site with the article feeds inside ``i18n_patterns``."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls

urlpatterns = i18n_patterns(
    path("feeds/", include("wagtail_dvt.seo.urls")),
    path("", include(wagtail_urls)),
)
