"""The public URL of a data request's confirmation link, for a site's URLconf,
before Wagtail's pages::

    path("personal-data/", include("wagtail_dvt.privacy.urls")),

Inside ``i18n_patterns`` on a translated site: the link is built in the
site's ``LANGUAGE_CODE``.
"""

from django.urls import path

from .views import ConfirmRequestView

app_name = "wagtail_dvt_privacy"

urlpatterns = [
    path("confirm/<str:token>/", ConfirmRequestView.as_view(), name="confirm"),
]
