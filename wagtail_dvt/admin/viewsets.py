"""The "Comments" moderation screens in the Wagtail admin.

Comments are registered as a snippet (in ``wagtail_hooks.py``) because
snippet listings come with Wagtail's bulk action framework on Wagtail 7.4 and
8, which plain ``ModelViewSet`` listings do not. Everything is gated on one
permission, ``wagtail_dvt.moderate_comment`` ("Can moderate reader
comments"), through :data:`comment_permission_policy`; nobody adds comments
here, readers do.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.permission_policies import BaseDjangoAuthPermissionPolicy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import SnippetAdminURLFinder
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from ..cache import articles_changed
from ..comments.reports import clear_reports, with_report_count
from ..models import Comment, CommentStatus, get_article_model
from .forms import CommentEditForm
from .permissions import MODERATE_CODENAME, MODERATE_PERMISSION, user_can_moderate
from .reports import ReportCountColumn, ReportedFilter, ReportsPanel
from .threads import InReplyToColumn, ThreadPanel


class CommentPermissionPolicy(BaseDjangoAuthPermissionPolicy):
    """Moderators (and active superusers) may view, change and delete comments.

    "add" is granted to nobody: comments come from readers. Nobody else
    edits a comment anywhere in the admin: the page editor's Comments tab is
    read-only (see :mod:`wagtail_dvt.admin.panels`).
    """

    actions = frozenset({"view", "change", "delete"})

    def user_has_permission(self, user, action):
        return action in self.actions and user_can_moderate(user)

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return get_user_model().objects.none()
        return self._get_users_with_any_permission_codenames({MODERATE_CODENAME})


comment_permission_policy = CommentPermissionPolicy(Comment)


class CommentFilterSet(WagtailFilterSet):
    """The listing's filters: status, article and the date range posted."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=CommentStatus.choices,
        empty_label=_("All"),
        widget=forms.RadioSelect,
    )
    page = django_filters.ModelChoiceFilter(
        label=_("Article"),
        queryset=lambda request: get_article_model().objects.order_by("title"),
    )
    posted_at = django_filters.DateFromToRangeFilter(
        label=_("Posted"), widget=DateRangePickerWidget
    )
    # The replies to one comment: the edit view and the listing link here.
    parent = django_filters.NumberFilter(
        label=_("Replies to comment (id)"), field_name="parent_id", min_value=1
    )
    reported = ReportedFilter()

    class Meta:
        model = Comment
        fields = ["status", "page", "posted_at", "parent", "reported"]


class CommentAdminURLFinder(SnippetAdminURLFinder):
    """Edit links for moderators; Wagtail 7 checks "change_comment" instead."""

    model = Comment

    def __init__(self, user=None):
        super().__init__(user)
        if user:
            self.user_can_edit = comment_permission_policy.user_has_permission(
                user, "change"
            )


class ModeratorsOnlyMixin:
    """Refuse the whole view to non-moderators, before it reads anything.

    Checking each comment is not enough: Wagtail's bulk-action confirmation
    page lists the comments a user may not act on too, so with ``id=all`` and
    a search ``q`` that matched email addresses it showed anyone with admin
    access which hidden comments a given address had written.
    """

    def dispatch(self, request, *args, **kwargs):
        if not user_can_moderate(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ModeratorsMenuItem(MenuItem):
    """A menu item shown to moderators only."""

    def is_shown(self, request):
        return user_can_moderate(request.user)


def _moderators_only(view_class):
    return type("ModeratorsOnlyView", (ModeratorsOnlyMixin, view_class), {})


class CommentChooserViewSet(SnippetChooserViewSet):
    """The snippet chooser for comments, closed to all but moderators.

    Wagtail's choosers check no view permission, and this one would list
    pending and spam comments, and search their email addresses.
    """

    choose_view_class = _moderators_only(SnippetChooserViewSet.choose_view_class)
    choose_results_view_class = _moderators_only(
        SnippetChooserViewSet.choose_results_view_class
    )
    chosen_view_class = _moderators_only(SnippetChooserViewSet.chosen_view_class)
    chosen_multiple_view_class = _moderators_only(
        SnippetChooserViewSet.chosen_multiple_view_class
    )
    create_view_class = _moderators_only(SnippetChooserViewSet.create_view_class)


class CommentEditView(EditView):
    """Validates and saves a moderator's edit with the comment's row locked.

    :class:`~wagtail_dvt.admin.forms.CommentEditForm` compares the version
    the form was opened on with the stored one; the lock keeps another write
    from landing between that check and the save.
    """

    def post(self, request, *args, **kwargs):
        with transaction.atomic():
            self.object = self.get_object(
                self.get_queryset().select_for_update(of=("self",))
            )
            return super().post(request, *args, **kwargs)


class CommentViewSet(SnippetViewSet):
    """All reader comments, across articles, for moderators."""

    model = Comment
    icon = "comment"
    menu_label = _("Comments")
    menu_name = "reader-comments"
    add_to_admin_menu = True
    menu_order = 250
    url_prefix = "reader-comments"
    url_namespace = "wagtail_dvt_comments"

    list_display = [
        "author_name",
        Column("excerpt", label=_("Comment")),
        Column("page", label=_("Article"), accessor="page.title"),
        InReplyToColumn("parent", label=_("In reply to")),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            primary=lambda comment: comment.status == CommentStatus.PENDING,
            sort_key="status",
        ),
        DateColumn("posted_at", label=_("Posted"), sort_key="posted_at"),
        ReportCountColumn("report_count", label=_("Reports"), sort_key="report_count"),
        # Private, like the whole listing: moderators only.
        Column("email", label=_("Email")),
        Column("ip_address", label=_("IP address")),
    ]
    filterset_class = CommentFilterSet
    chooser_viewset_class = CommentChooserViewSet
    ordering = ["-posted_at", "-pk"]
    list_per_page = 50
    search_fields = ["author_name", "body", "email", "page__title"]
    search_backend_name = None  # Plain ORM search: comments are not indexed.
    inspect_view_enabled = True
    inspect_view_fields = [
        "page",
        "author_name",
        "body",
        "status",
        "posted_at",
        "email",
        "user",
        "ip_address",
        "user_agent",
    ]
    edit_view_class = CommentEditView
    edit_handler = ObjectList(
        [
            FieldPanel("page", read_only=True),
            ThreadPanel(heading=_("Thread")),
            ReportsPanel(heading=_("Readers' reports")),
            # Name and time identify a comment when a document is imported again.
            FieldPanel("author_name", read_only=True),
            FieldPanel("body"),
            # Only moderators reach this form; the permission keeps the field out
            # of the form class for anyone else should that ever change.
            FieldPanel("status", permission=MODERATE_PERMISSION),
            FieldPanel("posted_at", read_only=True),
            FieldPanel("email", read_only=True),
            # The account a signed-in reader commented under (empty: anonymous).
            FieldPanel("user", read_only=True),
            FieldPanel("ip_address", read_only=True),
            FieldPanel("user_agent", read_only=True),
        ],
        base_form_class=CommentEditForm,
    )

    if WAGTAIL_VERSION < (8, 0):
        # Wagtail 8 reads the policy registered in wagtail_hooks.py instead.
        @property
        def permission_policy(self):
            return comment_permission_policy

        @property
        def url_finder_class(self):
            return CommentAdminURLFinder

    def get_queryset(self, request):
        # Placeholders of deleted comments hold nothing left to moderate.
        return with_report_count(
            Comment.objects.filter(removed=False).select_related("page", "parent")
        )


class ListingSelectionMixin:
    """'Select all' acts on the comments the listing shows, filtered and searched.

    Wagtail's default selects every comment there is, so approving "all"
    pending comments would approve the spam too.
    """

    def get_all_objects_in_listing_query(self, parent_id):
        comments = CommentFilterSet(self.request.GET, queryset=Comment.objects.all())
        queryset = comments.qs
        query = self.request.GET.get("q", "").strip()
        if query:
            matches = Q()
            for field in CommentViewSet.search_fields:
                matches |= Q(**{f"{field}__icontains": query})
            queryset = queryset.filter(matches)
        return queryset.values_list("pk", flat=True)


class CommentStatusBulkAction(
    ModeratorsOnlyMixin, ListingSelectionMixin, SnippetBulkAction
):
    """Give the selected comments one moderation status."""

    models = [Comment]
    status = None
    template_name = "wagtail_dvt/admin/confirm_bulk_status.html"

    def check_perm(self, obj):
        return comment_permission_policy.user_has_permission_for_instance(
            self.request.user, "change", obj
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_label"] = self.display_name
        context["confirm_label"] = self.confirm_label
        return context

    @classmethod
    def execute_action(cls, objects, **kwargs):
        Comment.objects.filter(pk__in=[comment.pk for comment in objects]).update(
            status=cls.status
        )
        if cls.status == CommentStatus.APPROVED:
            clear_reports(comment.pk for comment in objects)
            from ..comments.reply_notifications import replies_published

            replies_published(objects)  # update() sends no signal either.
        # update() sends no signal: purge and signal the articles whose public
        # comments change, once each, when Wagtail's transaction commits.
        published = cls.status == CommentStatus.APPROVED
        articles_changed(
            comment.page_id
            for comment in objects
            if (comment.status == CommentStatus.APPROVED) != published
        )
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return self.success_message(num_parent_objects) % {"count": num_parent_objects}


class ApproveCommentsBulkAction(CommentStatusBulkAction):
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Approve selected comments")
    action_priority = 10
    status = CommentStatus.APPROVED
    confirm_label = _("Yes, approve")

    def success_message(self, count):
        return ngettext(
            "%(count)d comment approved.", "%(count)d comments approved.", count
        )


class RejectCommentsBulkAction(CommentStatusBulkAction):
    display_name = _("Reject")
    action_type = "reject"
    aria_label = _("Reject selected comments")
    action_priority = 20
    status = CommentStatus.REJECTED
    confirm_label = _("Yes, reject")

    def success_message(self, count):
        return ngettext(
            "%(count)d comment rejected.", "%(count)d comments rejected.", count
        )


class SpamCommentsBulkAction(CommentStatusBulkAction):
    display_name = _("Mark as spam")
    action_type = "spam"
    aria_label = _("Mark selected comments as spam")
    action_priority = 25
    status = CommentStatus.SPAM
    confirm_label = _("Yes, mark as spam")

    def success_message(self, count):
        return ngettext(
            "%(count)d comment marked as spam.",
            "%(count)d comments marked as spam.",
            count,
        )


class DeleteCommentsBulkAction(
    ModeratorsOnlyMixin, ListingSelectionMixin, DeleteBulkAction
):
    """Wagtail's snippet delete, checked against the moderation permission."""

    models = [Comment]

    def check_perm(self, snippet):
        return comment_permission_policy.user_has_permission_for_instance(
            self.request.user, "delete", snippet
        )


class PendingCommentsPanel(Component):
    """Dashboard panel: how many comments wait for moderation."""

    name = "wagtail_dvt_pending_comments"
    template_name = "wagtail_dvt/admin/pending_comments_panel.html"
    order = 205

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["pending_count"] = Comment.objects.filter(
            status=CommentStatus.PENDING
        ).count()
        listing_url = reverse(Comment.snippet_viewset.get_url_name("list"))
        context["pending_url"] = f"{listing_url}?status={CommentStatus.PENDING}"
        return context
