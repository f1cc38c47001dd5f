"""Threads in the moderation views: what a comment replies to, and its replies.

The Comments listing shows "In reply to NAME" with an excerpt and a link to
the parent's edit view; its ``parent`` filter lists the replies to one
comment. The edit view shows the same, with a link to those replies.
"""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column

#: The listing's query parameter listing the replies to one comment.
PARENT_FILTER = "parent"


def replies_url(comment) -> str:
    """The Comments listing of the replies to ``comment``."""
    return f"{reverse('wagtail_dvt_comments:list')}?{PARENT_FILTER}={comment.pk}"


def in_reply_to_html(comment):
    """ "In reply to NAME", an excerpt and a link; empty for a top-level comment.

    Reads ``comment.parent``: select it with the comments (one join).
    """
    parent = comment.parent
    if parent is None:
        return ""
    if parent.removed:
        return _("In reply to a removed comment")
    return format_html(
        '{} <a href="{}">{}</a><br><q>{}</q>',
        _("In reply to"),
        reverse("wagtail_dvt_comments:edit", args=[parent.pk]),
        parent.author_name,
        parent.excerpt(60),
    )


class InReplyToColumn(Column):
    """The listing's "In reply to" cell."""

    def get_value(self, instance):
        return in_reply_to_html(instance)


class ThreadPanel(Panel):
    """The edit view's place of the comment in its thread; no form field."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_dvt/admin/panels/thread.html"

        def is_shown(self):
            return getattr(self.instance, "pk", None) is not None

        def get_context_data(self, parent_context=None):
            from ..models import Comment

            context = super().get_context_data(parent_context)
            comment = self.instance
            context["in_reply_to"] = in_reply_to_html(comment)
            context["reply_count"] = Comment.objects.filter(parent=comment).count()
            context["replies_url"] = replies_url(comment)
            return context
