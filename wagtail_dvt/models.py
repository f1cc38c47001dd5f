import functools
import re

from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.html import escape, normalize_newlines, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .admin.panels import ReaderCommentsPanel
from .api.fields import (
    ApprovedCommentsField,
    ArticleBodyField,
    CommentCountField,
    CommentsURLField,
    api_field,
)
from .blocks import ArticleStreamBlock, section_anchors
from .conf import get_setting

READER_COMMENTS = "reader_comments"
COMMENTS_PAGE_PARAMETER = "comments_page"


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
        # Like Wagtail's own comments, the page editor's comment edits (held in
        # memory by the InlinePanel formset) take effect now, whether or not
        # this revision is ever published; only if the revision was saved.
        with transaction.atomic():
            revision = super().save_revision(*args, **kwargs)
            getattr(self, READER_COMMENTS).commit()
        return revision


class ReaderCommentFormMixin(RoutablePageMixin):
    """The "Write a comment" form of an article page, and its ``comment/`` route.

    The form posts to the page's own ``comment/`` sub-URL, a route of
    Wagtail's ``RoutablePageMixin``, rather than to a view in a URLconf the
    site would have to include: it works wherever the page is served (any
    Site, any URL, with Wagtail's privacy checks run first), needs no
    ``urls.py`` change and no ``wagtail.contrib.routable_page`` in
    ``INSTALLED_APPS`` (that app only adds the ``routablepageurl`` template
    tag, unused here). Invalid posts re-render the page with the errors, as a
    form on the page itself would.
    """

    @path("comment/", name="comment")
    def comment_route(self, request):
        from .comments.views import post_comment

        return post_comment(request, self)

    def get_context(self, request, *args, **kwargs):
        from .comments.views import comment_form_context

        context = super().get_context(request, *args, **kwargs)
        context.update(comment_form_context(request, self))
        return context


class ArticlePage(ReaderCommentFormMixin, ReaderCommentsOutsideRevisionsMixin, Page):
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
        # Wagtail's admin page search autocompletes rather than searches.
        index.AutocompleteField("author"),
        index.AutocompleteField("body"),
        index.FilterField("date"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("author"),
        FieldPanel("date"),
        FieldPanel("body", heading=_("Sections")),
    ]
    comment_panels = [
        ReaderCommentsPanel(READER_COMMENTS, label=_("Reader comments")),
    ]
    settings_panels = Page.settings_panels + [FieldPanel("comments_open")]
    # Wagtail's default tabs, with the reader comments on a tab of their own.
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(comment_panels, heading=_("Comments")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(settings_panels, heading=_("Settings")),
        ]
    )

    # Reader comments are never a relation here: Wagtail's API would list them
    # unfiltered, make them query filters and, in v3, writable. The fields
    # below show approved ones only, in flat queries (see wagtail_dvt.api).
    api_fields = [
        api_field("author", writable=True),
        api_field("date", writable=True),
        APIField("body", serializer=ArticleBodyField()),
        APIField("comments", serializer=ApprovedCommentsField()),
        APIField("comment_count", serializer=CommentCountField()),
        APIField("comments_url", serializer=CommentsURLField()),
    ]

    class Meta:
        verbose_name = _("article page")

    @property
    def approved_comments(self):
        """Comments readers may see, oldest first, as saved in the database.

        Never the page editor's unsaved copies: comments live outside
        revisions, so a preview shows the live ones. A plain queryset also
        costs less to run than the cluster's relation manager.
        """
        return Comment.objects.filter(page_id=self.pk, status=CommentStatus.APPROVED)

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
        # One page of comments at a time: rendering cost stays flat however
        # many comments an article gathers.
        paginator = Paginator(
            self.approved_comments.only(*Comment.PUBLIC_FIELDS),
            get_setting("COMMENTS_PER_PAGE"),
        )
        comments = paginator.get_page(request.GET.get(COMMENTS_PAGE_PARAMETER))
        context["comments"] = comments
        context["comment_count"] = paginator.count
        context["comments_page_parameter"] = COMMENTS_PAGE_PARAMETER
        return context


# Everything Django's urlize makes a link of has one of these: a scheme, "www.",
# an email's "@" or one of the bare domain endings it recognises.
_MAY_HOLD_A_LINK = re.compile(
    r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b", re.IGNORECASE
)


def render_body_html(text):
    """Comment text as safe HTML: escaped, line breaks kept.

    Web addresses become links marked ``rel="nofollow ugc noopener"``, so
    that they pass no search ranking and cannot reach back into the page.
    A function of the text alone, so that the API renders it from the row
    it reads, with no model instance.
    """
    text = normalize_newlines(text)
    if _MAY_HOLD_A_LINK.search(text):
        html = urlize(text, nofollow=False, autoescape=True)
    else:
        html = escape(text)  # what urlize returns for such text, faster
    # With autoescape, every "<" of the text is escaped, so this literal
    # can only start a tag that urlize made.
    html = html.replace('<a href="', '<a rel="nofollow ugc noopener" href="')
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 - escaped above


@functools.cache
def _posted_at_words(language):
    """The pattern and month names of comment times in ``language``.

    Looked up once per language: translating them for every comment shown
    cost more than the formatting itself.
    """
    with translation.override(language):
        pattern = gettext("%(month)s %(day)d, %(year)d at %(time)s")
        return pattern, {number: str(name) for number, name in MONTHS.items()}


@receiver(setting_changed)
def _forget_posted_at_words(setting, **kwargs):
    # Django reloads its translations when these change; so must the cache.
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _posted_at_words.cache_clear()


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

    # In the page editor. The time is read-only: the editor's minute-only
    # widget would round every comment's time on each save, and the time
    # identifies a comment when a document is imported again. Only
    # moderators see and set the status.
    panels = [
        FieldPanel("author_name"),
        FieldPanel("posted_at", read_only=True),
        FieldPanel("body"),
        FieldPanel("status", permission="wagtail_dvt.moderate_comment"),
    ]

    #: What readers see of a comment; loading only these keeps long pages fast.
    PUBLIC_FIELDS = ("pk", "page_id", "author_name", "body", "posted_at")

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

    def body_html(self):
        """The comment text as safe HTML: see :func:`render_body_html`."""
        return render_body_html(self.body)

    def posted_at_display(self):
        """ "June 27, 2023 at 21:53" in the current time zone and language.

        Formatted here rather than with the ``date`` filter, which costs
        more than the rest of a comment's rendering together.
        """
        local = timezone.localtime(self.posted_at)
        pattern, months = _posted_at_words(translation.get_language())
        return pattern % {
            "month": months[local.month],
            "day": local.day,
            "year": local.year,
            "time": f"{local:%H:%M}",
        }

    def excerpt(self, length=80):
        """The start of the comment text, on one line, for listings."""
        text = " ".join(self.body.split())
        return text if len(text) <= length else text[: length - 1] + "…"
