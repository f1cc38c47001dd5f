"""URLs of a bilingual site, as ``wagtail start`` writes them with i18n."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    *i18n_patterns(
        path("comments/", include("wagtail_dvt.comments.urls")),
        path("", include(wagtail_urls)),
    ),
]
