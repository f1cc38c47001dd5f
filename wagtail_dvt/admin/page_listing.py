"""Comment counts in the Wagtail admin's listings of article pages.

Wagtail 7.4 and 8 have no hook that adds a column to every page listing, but
they let a page type bring its own :class:`~wagtail.admin.viewsets.pages.PageViewSet`.
:class:`ArticlePageViewSet` (registered in ``wagtail_hooks.py``) adds a
"Comments" column to the listings that show only articles:

- the flat listing of all articles (*Reports → Page types usage →
  Article page*, ``/admin/pages/usage/wagtail_dvt/articlepage/``);
- the page explorer below a parent page whose ``subpage_types`` allow
  articles only, such as a blog index.

The explorer of a parent that allows other page types too keeps Wagtail's
generic columns.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.pages.listing import ExplorableIndexView
from wagtail.admin.views.pages.usage import ContentTypeUseView
from wagtail.admin.viewsets.pages import PageViewSet

from ..models import READER_COMMENTS, CommentStatus, get_article_model
from .permissions import user_can_moderate


def _count(status):
    return Count(READER_COMMENTS, filter=Q(**{f"{READER_COMMENTS}__status": status}))


class CommentCountsMixin:
    """Annotate the listed articles with their approved and pending comments.

    One aggregate query for the page of results, not one query per row. Only
    moderators learn how many comments are pending: to anyone else a hidden
    comment does not exist.
    """

    def annotate_queryset(self, pages):
        counts = {"dvt_approved_comments": _count(CommentStatus.APPROVED)}
        if user_can_moderate(self.request.user):
            counts["dvt_pending_comments"] = _count(CommentStatus.PENDING)
        return super().annotate_queryset(pages).annotate(**counts)


class CommentCountColumn(Column):
    """ "19", or "19 (2 pending)" when comments wait for a moderator (shown to
    moderators only)."""

    def get_value(self, instance):
        approved = getattr(instance, "dvt_approved_comments", None)
        if approved is None:  # A listing that did not annotate its pages.
            return ""
        pending = getattr(instance, "dvt_pending_comments", 0)
        if not pending:
            return str(approved)
        return ngettext(
            "%(approved)d (%(pending)d pending)",
            "%(approved)d (%(pending)d pending)",
            pending,
        ) % {"approved": approved, "pending": pending}


class ArticleExplorableIndexView(CommentCountsMixin, ExplorableIndexView):
    pass


class ArticleContentTypeUseView(CommentCountsMixin, ContentTypeUseView):
    pass


def _with_comment_column(columns):
    """Wagtail's columns, with "Comments" before "Status"."""
    column = CommentCountColumn(
        "dvt_comments",
        label=_("Comments"),
        classname="dvt-comment-count",
        width="12%",
    )
    names = [existing.name for existing in columns]
    position = names.index("status") if "status" in names else len(columns)
    return [*columns[:position], column, *columns[position:]]


class ArticlePageViewSet(PageViewSet):
    """The admin views of the site's article model, with comment counts in its
    listings."""

    # Imported from a hook, once models are loaded.
    model = get_article_model()
    index_view_class = ArticleExplorableIndexView
    content_type_use_view_class = ArticleContentTypeUseView
    columns = _with_comment_column(ExplorableIndexView.base_columns)
