from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from example_site.api import api_urlpatterns

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    *api_urlpatterns,
    # RSS and Atom feeds of the Site's latest articles (docs/templates.md).
    path("feeds/", include("wagtail_dvt.seo.urls")),
    # The unsubscribe links of reply notifications (docs/conversations.md).
    path("comments/", include("wagtail_dvt.comments.urls")),
    # The confirmation link of a person's data request (docs/privacy.md).
    path("personal-data/", include("wagtail_dvt.privacy.urls")),
    path("sitemap.xml", sitemap),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's page serving catches everything else, so it must come last.
    path("", include(wagtail_urls)),
]
