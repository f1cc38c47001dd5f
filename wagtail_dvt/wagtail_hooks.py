from wagtail import VERSION as WAGTAIL_VERSION
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin.viewsets import (
    ApproveCommentsBulkAction,
    CommentViewSet,
    DeleteCommentsBulkAction,
    PendingCommentsPanel,
    RejectCommentsBulkAction,
    SpamCommentsBulkAction,
    comment_permission_policy,
)
from .models import Comment

if WAGTAIL_VERSION >= (8, 0):
    from wagtail.permissions import register_permission_policy

    # Before the viewset is registered, which would otherwise create a default
    # policy based on add/change/delete_comment.
    register_permission_policy(Comment, comment_permission_policy, exact_class=True)

register_snippet(CommentViewSet)

for action in (
    ApproveCommentsBulkAction,
    RejectCommentsBulkAction,
    SpamCommentsBulkAction,
):
    hooks.register("register_bulk_action", action)

# After Wagtail's own snippet "delete" action (order 0), which it replaces for
# comments: the last registration of an action type for a model wins.
hooks.register("register_bulk_action", DeleteCommentsBulkAction, order=100)


@hooks.register("construct_homepage_panels")
def add_pending_comments_panel(request, panels):
    if comment_permission_policy.user_has_permission(request.user, "change"):
        panels.append(PendingCommentsPanel())


@hooks.register("register_admin_viewset")
def register_article_page_viewset():
    # Comment counts in article listings (see wagtail_dvt.admin.page_listing).
    from .admin.page_listing import ArticlePageViewSet

    return ArticlePageViewSet()


@hooks.register("register_admin_urls")
def register_import_urls():
    from django.urls import include, path

    from .admin import imports

    return [
        path(
            "dvt-import/",
            include(
                (imports.urlpatterns, imports.app_name), namespace=imports.app_name
            ),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    from .admin.imports import menu_item

    return menu_item()


@hooks.register("register_admin_viewset")
def register_tombstone_viewset():
    # Moderators' listing of deleted comments (see wagtail_dvt.admin.tombstones).
    from .admin.tombstones import TombstoneViewSet

    return TombstoneViewSet()


@hooks.register("register_reports_menu_item")
def register_tombstones_menu_item():
    from .admin.tombstones import tombstones_menu_item

    return tombstones_menu_item()


@hooks.register("register_admin_viewset")
def register_personal_data_viewset():
    # A person's data request (see wagtail_dvt.admin.personal_data).
    from .admin.personal_data import PersonalDataViewSet

    return PersonalDataViewSet()


@hooks.register("register_reports_menu_item")
def register_personal_data_menu_item():
    from .admin.personal_data import personal_data_menu_item

    return personal_data_menu_item()


@hooks.register("register_log_actions")
def register_erasure_log_action(actions):
    from django.utils.translation import gettext_lazy as _

    from .privacy.sources import ERASE_ACTION

    actions.register_action(
        ERASE_ACTION, _("Erase personal data"), _("Personal data erased")
    )


@hooks.register("register_log_actions")
def register_data_request_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .privacy import data_requests

    for action, label, message in (
        (data_requests.ADD_ACTION, _("Add data request"), _("Data request added")),
        (
            data_requests.CONFIRM_ACTION,
            _("Confirm data request"),
            _("Data request confirmed by its person"),
        ),
        (
            data_requests.COMPLETE_ACTION,
            _("Complete data request"),
            _("Data request completed"),
        ),
    ):
        actions.register_action(action, label, message)
