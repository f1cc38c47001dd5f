"""The demo site's URLs, plus django-comments-xtd's as its docs mount them.

xtd's own mount of its API turns DRF pagination off; ``xtd-api/`` mounts the
same list view again under the site's DRF settings (20 a page).
"""

from django.urls import include, path, re_path
from django_comments_xtd.api.views import CommentList

from example_site.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("comments/", include("django_comments_xtd.urls")),
    re_path(
        r"^xtd-api/(?P<content_type>\w+-\w+)/(?P<object_pk>[-\w]+)/$",
        CommentList.as_view(),
        name="peer-xtd-api-list",
    ),
    *site_urlpatterns,
]
