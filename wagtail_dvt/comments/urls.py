"""The readers' email links, for a site's URLconf, before Wagtail's pages::

    path("comments/", include("wagtail_dvt.comments.urls")),

Serves ``comments/unsubscribe/<token>/``, the link in every reply
notification (``List-Unsubscribe``). Without it, reply notifications are not
sent. Put the include inside ``i18n_patterns`` on a translated site, so that
each email's link opens the page in its language.
"""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .unsubscribe import StopAllMailView, UnsubscribeView

app_name = "wagtail_dvt_mail"

urlpatterns = [
    # RFC 8058: mail programs POST with no cookie and no CSRF token. The
    # token in the URL is what proves the request; GET changes nothing.
    path(
        "unsubscribe/<str:token>/",
        csrf_exempt(UnsubscribeView.as_view()),
        name="unsubscribe",
    ),
    path(
        "unsubscribe/<str:token>/all/", StopAllMailView.as_view(), name="stop_all_mail"
    ),
]
