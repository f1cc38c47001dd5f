from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import ArticleStreamBlock, section_anchors
from .conf import get_setting
from .serializers import PublicCommentSerializer

READER_COMMENTS = "reader_comments"


class ReaderCommentsOutsideRevisionsMixin:
    """Keep reader comments out of page revisions, as Wagtail does for its own
    editor comments.

    Revisions store ParentalKey children, and publishing or reverting a
    revision writes them back: a visitor's comment posted after the revision
    would be deleted, and a deleted spam comment would return. So revisions
    never carry reader comments, a revision restored into a page keeps the live
    ones, comment edits made in the page editor are committed at once, and
    copies start without comments.
    """

    exclude_fields_in_copy = [READER_COMMENTS]

    def serializable_data(self):
        data = super().serializable_data()
        data.pop(READER_COMMENTS, None)
        return data

    def with_content_json(self, content):
        # Revisions saved before this mixin applied may still hold comments.
        content = {k: v for k, v in content.items() if k != READER_COMMENTS}
        return super().with_content_json(content)

    def save_revision(self, *args, **kwargs):
        if self.pk:
            getattr(self, READER_COMMENTS).commit()
        return super().save_revision(*args, **kwargs)


class ArticlePage(ReaderCommentsOutsideRevisionsMixin, Page):
    """A blog article built from headed Markdown sections, with reader comments."""

    author = models.CharField(_("author"), max_length=255)
    date = models.DateField(_("posted on"))
    body = StreamField(ArticleStreamBlock())
    comments_open = models.BooleanField(
        _("comments open"),
        default=True,
        help_text=_("Let visitors write comments on this article."),
    )

    template = "wagtail_dvt/article_page.html"

    search_fields = Page.search_fields + [
        index.SearchField("author"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("author"),
        FieldPanel("date"),
        FieldPanel("body"),
        InlinePanel(READER_COMMENTS, label=_("Reader comments")),
    ]
    settings_panels = Page.settings_panels + [FieldPanel("comments_open")]

    api_fields = [
        APIField("author"),
        APIField("date"),
        APIField("body"),
        APIField(
            "comments",
            serializer=PublicCommentSerializer(
                many=True, read_only=True, source="approved_comments"
            ),
        ),
        APIField("comment_count", serializer=serializers.IntegerField(read_only=True)),
    ]

    class Meta:
        verbose_name = _("article page")

    @property
    def approved_comments(self):
        """Comments readers may see, oldest first."""
        return getattr(self, READER_COMMENTS).filter(status=CommentStatus.APPROVED)

    @property
    def comment_count(self):
        return self.approved_comments.count()

    def table_of_contents(self):
        """``(anchor, section value)`` pairs, in page order."""
        sections = [block.value for block in self.body if block.block_type == "section"]
        anchors = section_anchors(section["heading"] for section in sections)
        return list(zip(anchors, sections, strict=True))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["wagtail_dvt_base_template"] = get_setting("BASE_TEMPLATE")
        context["sections"] = self.table_of_contents()
        context["comments"] = self.approved_comments
        return context


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SPAM = "spam", _("Spam")


class Comment(models.Model):
    """A reader's comment on an article; shown only once approved."""

    page = ParentalKey(
        ArticlePage, on_delete=models.CASCADE, related_name=READER_COMMENTS
    )
    author_name = models.CharField(_("name"), max_length=255)
    body = models.TextField(_("comment"))
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CommentStatus.choices,
        default=CommentStatus.PENDING,
    )
    # Private: for moderators only, never rendered or exported.
    email = models.EmailField(_("email"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    panels = [
        FieldPanel("author_name"),
        FieldPanel("posted_at"),
        FieldPanel("body"),
        FieldPanel("status"),
    ]

    class Meta:
        ordering = ["posted_at", "pk"]
        verbose_name = _("reader comment")
        verbose_name_plural = _("reader comments")
        permissions = [("moderate_comment", _("Can moderate reader comments"))]
        indexes = [
            models.Index(
                fields=["page", "status", "posted_at"], name="wagtail_dvt_page_status"
            ),
            models.Index(
                fields=["ip_address", "posted_at"], name="wagtail_dvt_ip_posted"
            ),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.posted_at:%Y-%m-%d %H:%M}"
