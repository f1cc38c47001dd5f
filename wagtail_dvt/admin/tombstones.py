"""Moderators' listing of tombstones (deleted comments), with a purge.

A tombstone keeps a deleted comment from coming back on re-import (see
``wagtail_dvt.tombstones``). It holds no name or text, so the listing shows
the article and the time of deletion; purging one lets a re-import bring its
comment back, which the confirmation says.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.base import ViewSet

from ..tombstones import DeletedComment, expired_tombstones
from .viewsets import ModeratorsMenuItem, ModeratorsOnlyMixin

NAME = "wagtail_dvt_tombstones"


class PurgeColumn(Column):
    """A button that purges the row's tombstone."""

    cell_template_name = "wagtail_dvt/admin/tombstone_purge_cell.html"


class TombstoneIndexView(ModeratorsOnlyMixin, IndexView):
    model = DeletedComment
    page_title = _("Deleted comments")
    header_icon = "bin"
    paginate_by = 50
    index_url_name = f"{NAME}:index"
    index_results_url_name = f"{NAME}:index_results"
    default_ordering = "-deleted_at"
    # Moderators only (ModeratorsOnlyMixin), not Django's model permissions.
    permission_policy = None
    any_permission_required = None
    columns = [
        Column("page", label=_("Article"), accessor="page"),
        DateColumn("deleted_at", label=_("Deleted at"), sort_key="deleted_at"),
        BooleanColumn("missing_since_upgrade", label=_("Missing since the upgrade")),
        BooleanColumn("email_hash", label=_("Email hash"), accessor="email_hash"),
        PurgeColumn("purge", label=""),
    ]
    template_name = "wagtail_dvt/admin/tombstones_index.html"

    def get_base_queryset(self):
        return DeletedComment.objects.select_related("page")


class TombstonePurgeView(ModeratorsOnlyMixin, View):
    """POST ``id`` (one or more) to purge those, or ``expired`` for all past
    ``TOMBSTONE_RETENTION_DAYS``."""

    http_method_names = ["post"]

    def post(self, request):
        if request.POST.get("expired"):
            doomed = expired_tombstones()
        else:
            ids = [value for value in request.POST.getlist("id") if value.isdigit()]
            doomed = DeletedComment.objects.filter(pk__in=ids)
        count, _by_model = doomed.delete()
        messages.success(
            request,
            ngettext(
                "%(count)d tombstone purged: a re-import may bring its comment back.",
                "%(count)d tombstones purged: a re-import may bring their "
                "comments back.",
                count,
            )
            % {"count": count},
        )
        return HttpResponseRedirect(reverse(f"{NAME}:index"))


class TombstoneViewSet(ViewSet):
    name = NAME
    url_prefix = "reader-comments/deleted"
    icon = "bin"
    menu_label = _("Deleted comments")

    def get_urlpatterns(self):
        return [
            path("", TombstoneIndexView.as_view(), name="index"),
            path(
                "results/",
                TombstoneIndexView.as_view(results_only=True),
                name="index_results",
            ),
            path("purge/", TombstonePurgeView.as_view(), name="purge"),
        ]


def tombstones_menu_item():
    """Reports → Deleted comments, for moderators only."""
    return ModeratorsMenuItem(
        _("Deleted comments"),
        reverse(f"{NAME}:index"),
        name="reader-comment-tombstones",
        icon_name="bin",
        order=1100,
    )
