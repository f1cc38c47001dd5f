"""The public URLs of a data request's emailed links (confirm it, download the
export), for a site's URLconf, before Wagtail's pages::

    path("personal-data/", include("wagtail_dvt.privacy.urls")),

Inside ``i18n_patterns`` on a translated site: the link is built in the
site's ``LANGUAGE_CODE``.
"""

from django.urls import path

from .views import ConfirmRequestView, ExportDownloadView

app_name = "wagtail_dvt_privacy"

urlpatterns = [
    path("confirm/<str:token>/", ConfirmRequestView.as_view(), name="confirm"),
    path("export/<str:token>/", ExportDownloadView.as_view(), name="export"),
]
