"""Readers' reports in the moderation views: only moderators reach them.

The Comments listing gets a "Reported" filter and a "Reports" column; the
edit view lists how many readers gave each reason. Approving a comment
(its edit view or the listing's Approve action) clears its reports; editing
its text lets reports hide it again (see :mod:`wagtail_dvt.comments.reports`).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column

from ..comments.reports import reasons_of, reported

#: The listing's query parameter of comments with reports.
REPORTED_FILTER = "reported"


class ReportedFilter(django_filters.BooleanFilter):
    """Comments with reports ("Yes") or without ("No")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reported"))
        super().__init__(method=self.filter_reported, **kwargs)

    @staticmethod
    def filter_reported(queryset, name, value):
        if value is None:
            return queryset
        return reported(queryset, value)


class ReportCountColumn(Column):
    """The listing's "Reports" cell: how many readers reported the comment."""

    def get_value(self, instance):
        return getattr(instance, "report_count", 0) or ""


class ReportsPanel(Panel):
    """The edit view's readers' reports, counted per reason; no form field."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_dvt/admin/panels/reports.html"

        def is_shown(self):
            return getattr(self.instance, "pk", None) is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["reasons"] = reasons_of(self.instance)
            context["reports_cleared_at"] = self.instance.reports_cleared_at
            return context
