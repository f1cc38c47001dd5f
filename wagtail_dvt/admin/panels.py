"""The page editor's Comments tab: a read-only summary of an article's comments.

Comments are the part of an article that grows without bound, so the page
form carries none of them: an InlinePanel of every comment posted thousands of
form fields (past Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` at about 1,600
comments), took seconds to render, and let anyone who could edit the page
rewrite, approve or add comments with the page's form. This panel shows the
newest comments and links to where comments are edited: the moderation
listing, filtered by the article, and each comment's own edit view.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from .permissions import user_can_moderate

#: How many of the newest comments the tab lists.
NEWEST_COMMENTS_SHOWN = 20


class ReaderCommentsPanel(Panel):
    """The newest comments of an article, their count, and links to moderate.

    Contributes no form field or formset, so saving the page never touches a
    comment. Users who may not moderate see approved comments only, with no
    status, email or IP address.
    """

    def __init__(self, limit=NEWEST_COMMENTS_SHOWN, **kwargs):
        kwargs.setdefault("heading", _("Reader comments"))
        super().__init__(**kwargs)
        self.limit = limit

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["limit"] = self.limit
        return kwargs

    @property
    def clean_name(self):
        return super().clean_name or "reader_comments"

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_dvt/admin/panels/reader_comments.html"

        def get_context_data(self, parent_context=None):
            # Imported here: models.py imports this module to build its panels.
            from ..models import Comment, CommentStatus

            context = super().get_context_data(parent_context)
            page_id = getattr(self.instance, "pk", None)
            moderator = user_can_moderate(self.request.user)
            context.update(
                is_moderator=moderator,
                comments=[],
                comment_count=0,
                pending_count=0,
                saved=page_id is not None,
            )
            if page_id is None:  # A page being created has no comments yet.
                return context

            comments = Comment.objects.filter(page_id=page_id)
            if not moderator:
                comments = comments.filter(status=CommentStatus.APPROVED)
            newest = comments.only(
                "pk", "page_id", "author_name", "body", "posted_at", "status"
            ).order_by("-posted_at", "-pk")[: self.panel.limit]
            context["comments"] = list(newest)
            context["comment_count"] = (
                len(context["comments"])
                if len(context["comments"]) < self.panel.limit
                else comments.count()
            )
            if moderator:
                context["pending_count"] = comments.filter(
                    status=CommentStatus.PENDING
                ).count()
                listing = reverse("wagtail_dvt_comments:list")
                context["listing_url"] = f"{listing}?page={page_id}"
                context["pending_url"] = (
                    f"{listing}?page={page_id}&status={CommentStatus.PENDING}"
                )
                for comment in context["comments"]:
                    comment.edit_url = reverse(
                        "wagtail_dvt_comments:edit", args=[comment.pk]
                    )
            return context
