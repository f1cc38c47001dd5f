import re

import swapper
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import escape, normalize_newlines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import PAGE_MODEL_CLASSES, Page
from wagtail.search import index

from .admin.panels import ReaderCommentsPanel
from .api_fields import (
    ApprovedCommentsField,
    ArticleBodyField,
    CommentCountField,
    CommentsURLField,
    api_field,
)
from .blocks import ArticleStreamBlock, section_anchors
from .comments.links import urlize
from .comments.text import comment_fingerprint, is_one_line, one_line
from .conf import get_setting
from .dates import format_datetime
from .importer.identity import entry_fingerprint
from .references import (
    READER_COMMENTS,
    reader_comments_hidden,
    references_updated_without_comments,
)
from .seo.api import StructuredDataField

if WAGTAIL_VERSION >= (8, 0):
    from wagtail.models import AbstractPage

    # Read WAGTAIL_PAGE_MODEL even if this app is listed before wagtail, as
    # Wagtail's guide for reusable apps asks.
    swapper.set_app_prefix("wagtailcore", "wagtail")

ARTICLE_TEMPLATE = "wagtail_dvt/article_page.html"
COMMENTS_PAGE_PARAMETER = "comments_page"


class ReaderCommentsOutsideRevisionsMixin:
    """Keep reader comments out of page revisions, as Wagtail does for its own
    editor comments.

    Revisions store ParentalKey children, and publishing or reverting a
    revision writes them back: a visitor's comment posted after the revision
    would be deleted, and a deleted spam comment would return. So revisions
    never carry reader comments, a revision restored into a page keeps the live
    ones, and copies, translations and aliases start without comments and keep
    their own (an alias shows its source's). The page editor does not edit
    comments at all: moderators do, in the Comments listing.
    """

    exclude_fields_in_copy = [READER_COMMENTS]

    def serializable_data(self):
        # modelcluster serializes every child relation, reading all of an
        # article's comments from the database on each revision save (13 s
        # for 10,000 comments). An empty in-memory list stands in while it
        # does; it is taken out again, so nothing commits it.
        with reader_comments_hidden(self):
            data = super().serializable_data()
        data.pop(READER_COMMENTS, None)
        return data

    def save(self, *args, **kwargs):
        # Wagtail's reference index would read every comment after each save.
        with references_updated_without_comments(self, raw=kwargs.get("raw")):
            return super().save(*args, **kwargs)

    def with_content_json(self, content):
        # Revisions saved before this mixin applied may still hold comments.
        content = {k: v for k, v in content.items() if k != READER_COMMENTS}
        return super().with_content_json(content)

    def copy_child_relation(self, child_relation, target, commit=False, append=False):
        # Wagtail's aliases (made for every locale with simple_translation's
        # SYNC_PAGE_TREE, and refreshed on each publish) and wagtail-localize's
        # synchronised fields copy child relations without
        # exclude_fields_in_copy: hidden comments, with readers' emails, would
        # reach the other page and replace its own. A page's comments stay its own.
        name = getattr(child_relation, "get_accessor_name", lambda: child_relation)()
        if name == READER_COMMENTS:
            return {}
        return super().copy_child_relation(
            child_relation, target, commit=commit, append=append
        )

    def save_revision(self, *args, **kwargs):
        # The page editor carries no comment form, so the cluster holds no
        # comment in memory and this commits nothing. Code that assigns
        # ``page.reader_comments`` itself gets its change saved with the
        # revision, as Wagtail's own comments are; only if the revision was.
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

    @path("comments/<int:comment_id>/report/", name="report_comment")
    def report_route(self, request, comment_id):
        """A reader's "Report" of one comment (see ``comments.reports``)."""
        from .comments.views import report_comment

        return report_comment(request, self, comment_id)

    def serve(self, request, view=None, args=None, kwargs=None):
        # The page itself answers conditional GETs; its sub-routes do not.
        if view is not None and view != self.index_route:
            return super().serve(request, view, args, kwargs)
        from .conditional import serve_reader_page

        return serve_reader_page(
            self,
            request,
            lambda: super(ReaderCommentFormMixin, self).serve(
                request, view, args, kwargs
            ),
        )

    def get_context(self, request, *args, **kwargs):
        from .comments.views import comment_form_context

        context = super().get_context(request, *args, **kwargs)
        context.update(comment_form_context(request, self))
        return context


class _ArticleEditHandler:
    """Wagtail's default editor tabs plus a Comments tab, for each article model.

    Read from the concrete class, so a site's model keeps its base page's
    promote panels and its own additions to ``content_panels`` or
    ``settings_panels`` without redefining the tabs.
    """

    def __get__(self, instance, owner):
        tabs = [
            (owner.content_panels, _("Content")),
            (owner.comment_panels, _("Comments")),
            (owner.promote_panels, _("Promote")),
            (owner.settings_panels, _("Settings")),
        ]
        return TabbedInterface(
            [ObjectList(panels, heading=heading) for panels, heading in tabs if panels]
        )


# The page fields every base page has: Wagtail 8's AbstractPage is the common
# ancestor of Page and of any custom base page (WAGTAIL_PAGE_MODEL).
_PAGE_BASICS = AbstractPage if WAGTAIL_VERSION >= (8, 0) else Page


class ArticlePageMixin(
    ReaderCommentFormMixin, ReaderCommentsOutsideRevisionsMixin, models.Model
):
    """Everything an article is, for any page model.

    A blog article built from headed Markdown sections, with reader comments.
    Combine it with a base page to make a site's own article model, as
    Wagtail's form builder does with ``FormMixin``::

        class ArticlePage(ArticlePageMixin, BasePage):
            hero_caption = models.CharField(max_length=255, blank=True)

    and name that model in ``WAGTAIL_DVT_ARTICLEPAGE_MODEL``
    (see ``docs/custom-article-model.md``).
    """

    author = models.CharField(_("author"), max_length=255)
    date = models.DateField(_("posted on"))
    body = StreamField(ArticleStreamBlock())
    comments_open = models.BooleanField(
        _("comments open"),
        default=True,
        help_text=_("Let visitors write comments on this article."),
    )
    # The identity the importer gave the article at its first import (see
    # importer.identity.source_key); re-import finds the page by it, whatever
    # its slug or title are now. Empty for pages made in Wagtail, and for
    # pages imported before 0.2.0 until their next import.
    dvt_source_key = models.CharField(
        _("import source key"),
        max_length=32,
        blank=True,
        default="",
        editable=False,
        db_index=True,
    )

    template = ARTICLE_TEMPLATE

    article_search_fields = [
        index.SearchField("author"),
        index.SearchField("body"),
        # Wagtail's admin page search autocompletes rather than searches.
        index.AutocompleteField("author"),
        index.AutocompleteField("body"),
        index.FilterField("date"),
    ]
    search_fields = _PAGE_BASICS.search_fields + article_search_fields

    article_content_panels = [
        FieldPanel("author"),
        FieldPanel("date"),
        FieldPanel("body", heading=_("Sections")),
    ]
    content_panels = _PAGE_BASICS.content_panels + article_content_panels
    # Read-only: the page form carries no comment (see wagtail_dvt.admin.panels).
    comment_panels = [ReaderCommentsPanel()]
    settings_panels = _PAGE_BASICS.settings_panels + [FieldPanel("comments_open")]
    edit_handler = _ArticleEditHandler()

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
        api_field("comments_open"),
        APIField("structured_data", serializer=StructuredDataField()),
    ]

    class Meta:
        abstract = True

    @property
    def comments_source_id(self):
        """The id of the article whose comments this page shows and receives.

        Its own, or for an alias (``Page.create_alias()``), that of the article
        it mirrors, followed through aliases of aliases.
        """
        return comments_source_id(self)

    @property
    def approved_comments(self):
        """Comments readers may see, oldest first, as saved in the database.

        Never the page editor's unsaved copies: comments live outside
        revisions, so a preview shows the live ones. A plain queryset also
        costs less to run than the cluster's relation manager. An alias shows
        its source article's comments.
        """
        return Comment.objects.filter(
            page_id=self.comments_source_id, status=CommentStatus.APPROVED
        )

    @property
    def comment_count(self):
        return self.approved_comments.count()

    @path("comments/feed/", name="comments_feed")
    def comments_feed_route(self, request):
        """The RSS feed of this article's comments: a route, no URLconf change."""
        from .seo.feeds import ArticleCommentsFeed

        return ArticleCommentsFeed()(request, article=self)

    def get_sitemap_urls(self, request=None):
        # lastmod: the later of the last publication and the newest comment.
        from .seo.sitemaps import with_comment_lastmod

        return with_comment_lastmod(self, super().get_sitemap_urls(request), request)

    def comments_page(self, request):
        """The page of approved comments the request asks for (a Django ``Page``).

        One page of threads at a time: rendering cost stays flat however many
        comments an article gathers. Read once per request: the page's validator
        (:mod:`wagtail_dvt.conditional`) and its template share it.
        """
        cached = getattr(request, "_wagtail_dvt_comments_page", None)
        if cached is not None and cached[0] == self.pk:
            return cached[1]
        from .comments.threads import thread_comments, visible_threads

        source_id = self.comments_source_id
        threads = visible_threads(source_id).only("pk")
        shown = source_id == self.pk or source_shows_comments(source_id, request)
        if not shown:
            threads = threads.none()
        # Pages count threads, so that no thread is split across two pages;
        # each page lists its threads' comments in reading order.
        paginator = Paginator(threads, get_setting("COMMENTS_PER_PAGE"))
        comments = paginator.get_page(request.GET.get(COMMENTS_PAGE_PARAMETER))
        comments.object_list = thread_comments(list(comments.object_list))
        comments.comment_count = self.comment_count if shown else 0
        request._wagtail_dvt_comments_page = (self.pk, comments)
        return comments

    def get_view_restrictions(self):
        # Kept for is_restricted(): Wagtail's check before serving the page
        # evaluates this very queryset.
        restrictions = super().get_view_restrictions()
        self._wagtail_dvt_view_restrictions = restrictions
        return restrictions

    def is_restricted(self, request) -> bool:
        """Whether a view restriction applies to the page or an ancestor.

        Read once per request: the page's validator and its comment form
        both ask. While the page is served, Wagtail has just read them
        (its ``on_serve_page`` check), and that reading is reused: two
        queries fewer on every view of the page and every 304.
        """
        known = request.__dict__.setdefault("_wagtail_dvt_restricted", {})
        if self.pk not in known:
            checked = getattr(self, "_wagtail_dvt_view_restrictions", None)
            if checked is None or checked._result_cache is None:
                checked = self.get_view_restrictions()
            known[self.pk] = bool(checked)
        return known[self.pk]

    def table_of_contents(self):
        """``(anchor, section value)`` pairs, in page order."""
        sections = [block.value for block in self.body if block.block_type == "section"]
        anchors = section_anchors(section["heading"] for section in sections)
        return list(zip(anchors, sections, strict=True))

    def get_template(self, request, *args, **kwargs):
        # Wagtail gives every page class a template named after it
        # ("blog/article_page.html") unless the class sets one: a site's own
        # article model uses that template if the site has it, else this one.
        template = super().get_template(request, *args, **kwargs)
        if template == ARTICLE_TEMPLATE:
            return template
        return [template, ARTICLE_TEMPLATE]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["wagtail_dvt_base_template"] = get_setting("BASE_TEMPLATE")
        context["sections"] = self.table_of_contents()
        comments = self.comments_page(request)
        context["comments"] = comments
        context["comment_count"] = comments.comment_count
        context["comments_page_parameter"] = COMMENTS_PAGE_PARAMETER
        return context


#: The setting naming a site's own article model, as AUTH_USER_MODEL does.
ARTICLE_MODEL_SETTING = swapper.swappable_setting("wagtail_dvt", "ArticlePage")


class ArticlePage(ArticlePageMixin, Page):  # noqa: DJ008 - Page has __str__
    """The default article model, on Wagtail's own ``Page``.

    Swappable: a site names its own model in ``WAGTAIL_DVT_ARTICLEPAGE_MODEL``,
    and then this one has no table, no admin and no place in the page tree.
    """

    # Page's own search fields (on Wagtail 8 it has more than AbstractPage).
    search_fields = Page.search_fields + ArticlePageMixin.article_search_fields

    # A swapped-out model must not be offered for creation in the page tree.
    is_creatable = not swapper.is_swapped("wagtail_dvt", "ArticlePage")

    class Meta:
        verbose_name = _("article page")
        swappable = ARTICLE_MODEL_SETTING


if ArticlePage._meta.swapped and ArticlePage in PAGE_MODEL_CLASSES:
    # Wagtail lists every concrete Page subclass as a page type (in the
    # admin's type filters, usage report, API ``?type=``); a swapped-out
    # model has no table, so it must not be one.
    PAGE_MODEL_CLASSES.remove(ArticlePage)


def get_base_page_model():
    """Wagtail's base page model: ``WAGTAIL_PAGE_MODEL`` on Wagtail 8, else ``Page``.

    For queries over the whole page tree, as Wagtail's guide for reusable
    apps asks; ``wagtail.models.Page`` is no model at all on a site that
    swapped it.
    """
    if WAGTAIL_VERSION >= (8, 0):
        return swapper.load_model("wagtailcore", "Page")
    return Page


def get_article_model():
    """The article model of this site: ``WAGTAIL_DVT_ARTICLEPAGE_MODEL``.

    ``wagtail_dvt.ArticlePage`` unless the site swapped in its own, as
    Django's ``get_user_model()`` does for ``AUTH_USER_MODEL``.
    """
    return swapper.load_model("wagtail_dvt", "ArticlePage")


#: How many aliases of aliases :func:`comments_source_id` follows; Wagtail's
#: admin makes chains of one, and a loop must not hang a request.
MAX_ALIAS_DEPTH = 10


def comments_source_id(page):
    """The id of the page whose comments ``page`` shows: the end of its alias chain."""
    source_id, next_id = page.pk, getattr(page, "alias_of_id", None)
    for _depth in range(MAX_ALIAS_DEPTH):
        if next_id is None:
            break
        source_id = next_id
        aliased = (
            get_base_page_model()
            .objects.filter(pk=next_id)
            .values_list("alias_of_id", flat=True)
        )
        next_id = aliased.first()
    return source_id


def source_shows_comments(source_id, request=None):
    """Whether an alias may show the comments of its source, ``source_id``.

    Only where readers may see the source too. Wagtail serves an alias after
    checking the source's own view restrictions but not its ancestors', and
    its APIs list an alias whatever restricts the source. With ``request``
    (the page), each restriction on the source or an ancestor must accept it;
    without (the APIs, which serve public pages to everyone alike), the source
    must have none. The source must be live as well.
    """
    source = get_base_page_model().objects.filter(pk=source_id, live=True).first()
    if source is None:
        return False
    restrictions = source.get_view_restrictions()
    if request is None:
        return not restrictions.exists()
    return all(restriction.accept_request(request) for restriction in restrictions)


def validate_one_line(value):
    """Refuse line breaks: a name is shown on one line, in pages and emails."""
    if not is_one_line(value):
        raise ValidationError(
            _("Enter the name on one line, without line breaks."), code="line_break"
        )


class DigestField(models.CharField):
    """A hex SHA-256 that the model computes: never typed in a form."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


class FingerprintField(DigestField):
    """A SHA-256 of the comment's normalized name and text, set on every save.

    Computed in ``pre_save``, which ``bulk_create`` calls too (the importer
    uses it), so that no comment row goes without one.
    """

    def pre_save(self, model_instance, add):
        value = comment_fingerprint(model_instance.author_name, model_instance.body)
        setattr(model_instance, self.attname, value)
        return value


class EntryFingerprintField(DigestField):
    """The fingerprint of a comment's document entry: its name, minute and text.

    Set once, when the comment is created (``pre_save`` with ``add``, which
    ``bulk_create`` calls too), and never recomputed: re-import still knows a
    comment a moderator edited or erased, and never adds it again in its
    original form. See :func:`~wagtail_dvt.importer.identity.entry_fingerprint`.
    """

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if add and not value:
            value = entry_fingerprint(
                model_instance.author_name,
                model_instance.posted_at,
                model_instance.body,
            )
            setattr(model_instance, self.attname, value)
        return value


# Everything Django's urlize makes a link of has one of these: a scheme, "www.",
# an email's "@" or one of the bare domain endings it recognises.
_MAY_HOLD_A_LINK = re.compile(
    r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b", re.IGNORECASE
)


def comment_body_html(text):
    """A comment's text as safe HTML: escaped, line breaks kept.

    Web addresses become links marked ``rel="nofollow ugc noopener"``, so
    that they pass no search ranking and cannot reach back into the page.
    The page and the APIs' ``body_html`` both call this, so they agree.
    """
    text = normalize_newlines(text)
    if _MAY_HOLD_A_LINK.search(text):
        html = urlize(text)
    else:
        html = escape(text)  # what urlize returns for such text, faster
    # With autoescape, every "<" of the text is escaped, so this literal
    # can only start a tag that urlize made.
    html = html.replace('<a href="', '<a rel="nofollow ugc noopener" href="')
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 - escaped above


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SPAM = "spam", _("Spam")


class CommentQuerySet(models.QuerySet):
    def delete(self):
        """Delete the comments; those with replies stay as empty placeholders."""
        from .comments.threads import delete_keeping_replies

        return delete_keeping_replies(self)

    def bulk_create(self, objs, *args, **kwargs):
        """Create the comments, then place them in their threads.

        Parents come before their replies in ``objs``, or are saved already.
        """
        from .comments.threads import place_in_thread
        from .versions import record_change

        created = super().bulk_create(objs, *args, **kwargs)
        place_in_thread([obj for obj in created if not obj.path])
        record_change(
            {obj.page_id for obj in created if obj.status == CommentStatus.APPROVED},
            self.db,
        )
        return created

    def update(self, **kwargs):
        """Update the comments; a change readers may see changes the reads'
        validators (see :mod:`wagtail_dvt.versions`), as a save does."""
        from .versions import record_change

        if PUBLIC_COLUMNS.isdisjoint(kwargs):
            return super().update(**kwargs)
        page_ids = set(self.values_list("page_id", flat=True).distinct())
        updated = super().update(**kwargs)
        record_change(page_ids, self.db)
        return updated

    def bulk_update(self, objs, fields, *args, **kwargs):
        from .versions import record_change

        updated = super().bulk_update(objs, fields, *args, **kwargs)
        if not PUBLIC_COLUMNS.isdisjoint(fields):
            record_change({obj.page_id for obj in objs}, self.db)
        return updated


#: The columns of a comment that what readers see depends on: changing any of
#: them changes the reads' validators.
PUBLIC_COLUMNS = frozenset(
    [
        "page",
        "page_id",
        "status",
        "author_name",
        "body",
        "posted_at",
        "parent",
        "parent_id",
        "user",
        "user_id",
        "thread_id",
        "level",
        "path",
        "removed",
    ]
)


class Comment(models.Model):
    """A reader's comment on an article; shown only once approved."""

    # The site's article model (WAGTAIL_DVT_ARTICLEPAGE_MODEL).
    page = ParentalKey(
        swapper.get_model_name("wagtail_dvt", "ArticlePage"),
        on_delete=models.CASCADE,
        related_name=READER_COMMENTS,
    )
    author_name = models.CharField(
        _("name"), max_length=255, validators=[validate_one_line]
    )
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
    # For the duplicate check: same name and text once normalized.
    fingerprint = FingerprintField(_("fingerprint"))
    # For re-import: the entry the comment was created from (see above).
    entry_fingerprint = EntryFingerprintField(_("entry fingerprint"))
    # When moderators were emailed about it (see comments.notifications);
    # None while a pending comment waits for the next batch.
    announced_at = models.DateTimeField(
        _("announced to moderators at"), null=True, blank=True, editable=False
    )
    # Threads, as django-comments-xtd keeps them (see comments.threads): the
    # comment answered, the thread's top-level comment, the depth (0: top
    # level) and the place in the thread, so that a page of threads is one
    # ordered query. A top-level comment keeps the defaults. SET_NULL: nothing
    # a reader wrote goes with its parent, and a reply keeps its place
    # through ``thread_id`` and ``path``.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    thread_id = models.BigIntegerField(
        _("thread"), null=True, blank=True, editable=False
    )
    level = models.PositiveSmallIntegerField(_("level"), default=0, editable=False)
    path = models.CharField(
        _("thread path"), max_length=255, blank=True, default="", editable=False
    )
    # A deleted comment that still has replies stays as this empty row, so
    # they keep their place: no name, email, address, user agent or text.
    removed = models.BooleanField(_("removed"), default=False, editable=False)
    # The account of a signed-in commenter, whose name and email the comment
    # took (see comments.accounts). SET_NULL: deleting an account keeps what
    # its holder wrote, as an anonymous reader's comment.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="wagtail_dvt_comments",
        verbose_name=_("account"),
    )
    # When a moderator last approved it and so cleared its readers' reports
    # (see comments.reports): reports then no longer hide it automatically,
    # until its text is edited, which empties this again.
    reports_cleared_at = models.DateTimeField(
        _("reports cleared at"), null=True, blank=True, editable=False
    )
    # Reply notifications (see comments.reply_notifications): the author asked
    # to be emailed about replies to this comment; and, on a reply, when its
    # parent's author was emailed about it (or it was skipped, e.g. their own).
    notify_replies = models.BooleanField(
        _("email replies to the author"), default=False, editable=False
    )
    reply_notified_at = models.DateTimeField(
        _("reply notified at"), null=True, blank=True, editable=False
    )

    objects = CommentQuerySet.as_manager()

    # Comments reference nothing but their article (see wagtail_dvt.references).
    wagtail_reference_index_ignore = True

    #: What readers see of a comment; loading only these keeps long pages fast.
    PUBLIC_FIELDS = ("pk", "page_id", "author_name", "body", "posted_at", "parent_id")

    #: The status as loaded from the database (``None`` if not loaded), so
    #: that a save knows whether the comment was public (see ``cache.py``).
    _loaded_status = None

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
            models.Index(
                fields=["page", "fingerprint"], name="wagtail_dvt_page_fingerprint"
            ),
            models.Index(fields=["thread_id", "path"], name="wagtail_dvt_thread_path"),
            models.Index(
                fields=["page", "level", "posted_at"], name="wagtail_dvt_page_level"
            ),
            # The few comments whose replies are mailed, for the sending task.
            models.Index(
                fields=["id"],
                condition=models.Q(notify_replies=True),
                name="wagtail_dvt_notify_replies",
            ),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.posted_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.parent_id is not None and not self.path:
            # A reply's place in its thread holds its own id, known only now.
            from .comments.threads import place_in_thread

            place_in_thread([self])

    def delete(self, *args, **kwargs):
        """Delete the comment, or empty it in place if it has replies.

        Its replies keep their place under a "This comment was removed"
        placeholder (see :mod:`wagtail_dvt.comments.threads`).
        """
        from .comments.threads import delete_keeping_replies

        return delete_keeping_replies(Comment.objects.filter(pk=self.pk))

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        comment = super().from_db(db, field_names, values, **kwargs)
        comment._loaded_status = comment.__dict__.get("status")
        return comment

    def body_html(self):
        """The comment text as safe HTML; see :func:`comment_body_html`."""
        return comment_body_html(self.body)

    def posted_at_display(self):
        """When it was posted, as the current language writes a date and time.

        "June 27, 2023, 9:53 p.m." in English, "27 juin 2023 21:53" in
        French: Django's ``DATETIME_FORMAT`` in the current time zone. See
        :func:`~wagtail_dvt.dates.format_datetime` for why not the ``date`` filter.
        """
        return format_datetime(self.posted_at)

    def excerpt(self, length=80):
        """The start of the comment text, on one line, for listings."""
        text = one_line(self.body)
        return text if len(text) <= length else text[: length - 1] + "…"


class ModeratorNotificationState(models.Model):
    """When the last batch of moderators' emails went out: one row, ``pk=1``.

    Claimed by a conditional update, so that of several processes sending at
    once, one sends the batch (see ``comments.notifications``).
    """

    last_sent_at = models.DateTimeField(_("last batch sent at"), null=True)

    class Meta:
        verbose_name = _("moderator notification state")
        default_permissions = ()

    def __str__(self):
        return f"Last moderators' batch: {self.last_sent_at or 'never'}"


# Models of their own modules, imported here so that Django registers them.
from .comments.limits import PostingClient, SpentCommentToken  # noqa: E402, F401
from .comments.mail import MailBatch, MailDelivery  # noqa: E402, F401
from .comments.reports import CommentReport  # noqa: E402, F401
from .comments.subscriptions import MailSuppression, ReplyMailState  # noqa: E402, F401
from .importer.jobs import ImportJob  # noqa: E402, F401
from .importer.records import ImportedRevision  # noqa: E402, F401
from .privacy.data_requests import PersonalDataRequest  # noqa: E402, F401
from .tombstones import DeletedComment  # noqa: E402, F401
from .versions import ArticleChange  # noqa: E402, F401
