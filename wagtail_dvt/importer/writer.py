"""Write a parsed :class:`ArticleDocument` into Wagtail.

The only importer module that touches the ORM. Each document is written in
one transaction: it lands whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone as django_timezone
from django.utils.text import slugify
from wagtail.models import Page, PageLogEntry, Revision
from wagtail.search.backends import get_search_backends
from wagtail.search.signal_handlers import (
    post_save_signal_handler as search_index_on_save,
)
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.signals import page_published

from ..cache import articles_changed
from ..models import (
    ArticlePageMixin,
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)
from ..seo.description import fill_description
from ..tombstones import DeletedComment
from .errors import DocumentError, ParentPageError, WriteConflict
from .lookup import PageNotFound, find_page
from .records import ImportedRevision
from .types import ArticleDocument

CREATED, UPDATED, UNCHANGED, KEPT = "created", "updated", "unchanged", "kept"
EDITED_SINCE_IMPORT = "edited in Wagtail since the last import"


@dataclass(frozen=True)
class ImportResult:
    """What importing one document did (or, in a dry run, would do)."""

    source: str
    action: str
    page_id: int | None
    url: str | None
    title: str
    sections: int
    comments: int
    comments_added: int
    dry_run: bool = False
    #: Comments of the document not added because a moderator deleted them.
    comments_deleted: int = 0
    #: Why the content was kept, for ``action == "kept"``.
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_parent(
    reference: Page | int | str | None = None, *, locale: str | None = None
) -> Page:
    """Find the page to import under and check that it may hold article pages.

    ``reference`` is read by :func:`.lookup.find_page`; with ``locale``, the
    import goes under that page's translation in the locale.
    """
    try:
        parent = find_page(reference, locale=locale)
    except PageNotFound as err:
        raise ParentPageError(str(err)) from err
    if not get_article_model().can_exist_under(parent):
        raise ParentPageError(_refusal(parent))
    return parent


def _refusal(parent: Page) -> str:
    """Say which page type refuses articles under ``parent``, and what to add."""
    parent_class = parent.specific_class
    article_model = get_article_model()
    where = f"article pages are not allowed under {parent.title!r}"
    parent_label = f"{parent_class._meta.app_label}.{parent_class.__name__}"
    article_label = article_model._meta.label
    if article_model not in parent_class.clean_subpage_models():
        return (
            f"{where}: its page type {parent_label} does not allow them in "
            f"subpage_types; add {article_label!r} to {parent_class.__name__}."
            "subpage_types, or give another --parent"
        )
    if parent_class not in article_model.clean_parent_page_models():
        return (
            f"{where}: {article_label}.parent_page_types does not list its page "
            f"type {parent_label}; add {parent_label!r} to it, or give another "
            "--parent"
        )
    return f"{where} ({parent_label}); give another --parent"


@dataclass(frozen=True)
class WriteOptions:
    """How to write: shared by every document of one import."""

    parent: Page
    timezone: tzinfo
    publish: bool = True
    comment_status: str = CommentStatus.APPROVED
    dry_run: bool = False
    #: Replace content that editors changed since the last import.
    overwrite: bool = False
    #: In a dry run, what the pages would hold by now, by slug: a document
    #: given twice is reported as the real run would treat it.
    simulated: dict = field(default_factory=dict, compare=False, repr=False)
    #: Who imports, for the audit log and revisions; None for a command.
    user: object = field(default=None, compare=False)


@dataclass
class _PageState:
    """What matters of an existing article to decide how to update it."""

    page: ArticlePageMixin | None  # None: a page a dry run would have created
    draft: ArticlePageMixin | None  # the latest revision as a page, to revise
    fields: dict  # the latest revision's content
    edited: bool  # the latest revision is not the import's
    published: bool  # ever published
    stored: Counter  # keys of the comments it holds
    deleted: Counter  # keys of the comments moderators deleted


def write_document(
    document: ArticleDocument, *, source: str, options: WriteOptions
) -> ImportResult:
    """Create or update one article; raise :class:`DocumentError` on conflict."""
    (outcome,) = write_documents([(source, document)], options)
    if isinstance(outcome, DocumentError):
        raise outcome
    return outcome


def write_documents(
    documents: Sequence[tuple[str, ArticleDocument]], options: WriteOptions
) -> list[ImportResult | DocumentError]:
    """Write a batch of ``(source, document)`` pairs in one transaction.

    Pages are matched by slug under the parent and comments by author and
    time (to the minute), so importing a document twice changes nothing, and
    existing comments stay as moderators left them; deleted ones stay
    deleted. A page whose latest revision the import did not save is kept as
    editors left it, unless ``options.overwrite``. New articles are created
    together (:func:`_create_articles`); existing ones are updated one by one
    through Wagtail's revisions, each in a savepoint, so that a document that
    cannot be written leaves no trace and the others still land.
    """
    slugs = [article_slug(document) for _, document in documents]
    outcomes: list[ImportResult | DocumentError | None] = [None] * len(documents)
    times: list[list[datetime] | None] = [None] * len(documents)
    for index, (source, document) in enumerate(documents):
        try:
            if not slugs[index]:
                raise WriteConflict(
                    "the title makes an empty URL slug; expected a title with "
                    "letters or digits",
                    source=source,
                    line=1,
                )
            times[index] = _comment_times(document, source, options.timezone)
        except DocumentError as err:
            outcomes[index] = err
    with transaction.atomic():
        # Locking the parent serializes concurrent imports under it, so two
        # processes importing one document create one page.
        page_model = get_base_page_model()
        parent = page_model.objects.select_for_update().get(pk=options.parent.pk)
        children = page_model.objects.child_of(parent).filter(slug__in=slugs)
        taken = set(children.values_list("slug", flat=True)) | set(options.simulated)
        new = {}
        for index, slug in enumerate(slugs):
            if outcomes[index] is None and slug not in taken and slug not in new:
                new[slug] = index
        creatable = list(new.values())
        created = _create_articles(
            parent,
            [(*documents[i], slugs[i], times[i]) for i in creatable],
            options,
        )
        for index, result in zip(creatable, created, strict=True):
            outcomes[index] = result
        for index, (source, document) in enumerate(documents):
            if outcomes[index] is None:
                try:
                    with transaction.atomic():
                        outcomes[index] = _update_article(
                            source,
                            document,
                            slugs[index],
                            times[index],
                            parent,
                            options,
                        )
                except DocumentError as err:
                    outcomes[index] = err
    return outcomes


def _comment_times(document: ArticleDocument, source: str, zone: tzinfo):
    """The comments' times in UTC, or a :class:`WriteConflict` at the comment.

    A time near year 1 or 9999 may exist in the document's zone but not in
    UTC, where the database stores it.
    """
    times = []
    for comment in document.comments:
        try:
            moment = django_timezone.make_aware(comment.posted_at, zone)
            times.append(moment.astimezone(UTC))
        except (OverflowError, ValueError):
            written = comment.posted_at.isoformat(sep=" ", timespec="minutes")
            raise WriteConflict(
                f"the comment time {written} in {zone} falls outside the years "
                "1 to 9999 in UTC; expected a time the database can store",
                source=source,
                line=comment.line,
            ) from None
    return times


def _comment_key(author_name: str, posted_at: datetime):
    """How re-import matches comments: the author and the minute.

    The format has minutes; comments posted on the web carry seconds, and
    must still match their own export.
    """
    return author_name, posted_at.astimezone(UTC).replace(second=0, microsecond=0)


def article_slug(document: ArticleDocument) -> str:
    """The slug that identifies the document's page under its parent."""
    allow_unicode = getattr(settings, "WAGTAIL_ALLOW_UNICODE_SLUGS", True)
    return slugify(document.title, allow_unicode=allow_unicode)[:255]


def _create_articles(parent, items, options) -> list[ImportResult]:
    """Create new articles as Wagtail's publish would leave them, in bulk.

    Each page gets its tree position, one revision (published unless
    ``options.publish`` is false), its comments, a search index entry and
    audit log entries, and ``page_published`` is sent. The per-save search
    and reference index updates are switched off and the search index is
    written once for the batch: they cost more than the page itself.
    """
    if options.dry_run:
        for _source, document, slug, times in items:
            options.simulated[slug] = _PageState(
                page=None,
                draft=None,
                fields=_document_fields(document),
                edited=False,
                published=options.publish,
                stored=Counter(
                    _comment_key(comment.author_name, posted_at)
                    for comment, posted_at in zip(document.comments, times, strict=True)
                ),
                deleted=Counter(),
            )
        return [
            _result(source, document, CREATED, None, len(document.comments), options)
            for source, document, _slug, _times in items
        ]
    if not items:
        return []
    ArticlePage = get_article_model()
    Page = get_base_page_model()
    depth = parent.depth + 1
    siblings = Page.objects.filter(path__startswith=parent.path, depth=depth)
    last = siblings.order_by("-path").only("path").first()
    last_step = last._get_lastpos_in_path() if last else 0
    now = django_timezone.now()

    pages = []
    with disable_reference_index_auto_update(), _search_index_deferred(ArticlePage):
        for step, (_source, document, slug, _times) in enumerate(
            items, start=last_step + 1
        ):
            page = ArticlePage(
                slug=slug,
                path=ArticlePage._get_path(parent.path, depth, step),
                depth=depth,
                numchild=0,
                locale_id=parent.locale_id,
                live=False,
                has_unpublished_changes=True,
                **_document_fields(document),
            )
            _describe_if_empty(page, document)
            page._cached_parent_obj = parent  # read by save() for url_path
            page.save(clean=False, log_action=None)  # logged in bulk below
            pages.append(page)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))

    revisions = Revision.objects.bulk_create(
        Revision(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            content=page.serializable_data(),
            object_str=str(page),
            created_at=now,
        )
        for page in pages
    )
    ImportedRevision.objects.bulk_create(
        ImportedRevision(revision=revision) for revision in revisions
    )
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision = revision
        page.latest_revision_created_at = now
        page.draft_title = page.title
        if options.publish:
            page.live = True
            page.has_unpublished_changes = False
            page.live_revision = revision
            page.first_published_at = page.last_published_at = now
        Page.objects.filter(pk=page.pk).update(
            **{field: getattr(page, field) for field in _PUBLISH_FIELDS}
        )

    Comment.objects.bulk_create(
        _new_comment(page, comment, posted_at, options)
        for page, (_source, document, _slug, times) in zip(pages, items, strict=True)
        for comment, posted_at in zip(document.comments, times, strict=True)
    )
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(ArticlePage, pages)
    # No reference index entries: an article's own fields (text, a date,
    # Markdown sections, comments) cannot point at other objects, so Wagtail's
    # own indexing of it records nothing (a test holds this true).
    PageLogEntry.objects.bulk_create(_log_entries(pages, revisions, now, options))
    if options.publish:
        for page, revision in zip(pages, revisions, strict=True):
            page_published.send(sender=ArticlePage, instance=page, revision=revision)
    return [
        _result(source, document, CREATED, page, len(document.comments), options)
        for page, (source, document, _slug, _times) in zip(pages, items, strict=True)
    ]


def _log_entries(pages, revisions, now, options):
    """The audit log entries Wagtail writes when a page is created and published."""
    content_type = ContentType.objects.get_for_model(get_article_model())
    actions = ["wagtail.create"] + (["wagtail.publish"] if options.publish else [])
    return [
        PageLogEntry(
            content_type=content_type,
            label=page.get_admin_display_title(),
            action=action,
            timestamp=now,
            data={},
            page=page,
            user=options.user,
            revision=revision if action == "wagtail.publish" else None,
            content_changed=True,
        )
        for page, revision in zip(pages, revisions, strict=True)
        for action in actions
    ]


_PUBLISH_FIELDS = (
    "latest_revision",
    "latest_revision_created_at",
    "draft_title",
    "live",
    "has_unpublished_changes",
    "live_revision",
    "first_published_at",
    "last_published_at",
)


@contextmanager
def _search_index_deferred(model):
    """Stop indexing ``model`` on every save, for a caller that indexes in bulk.

    The signal is process-wide: saves of ``model`` made by other threads
    meanwhile are not indexed either. Management commands run alone.
    """
    disconnected = post_save.disconnect(search_index_on_save, sender=model)
    try:
        yield
    finally:
        if disconnected:
            post_save.connect(search_index_on_save, sender=model)


def _update_article(source, document, slug, times, parent, options) -> ImportResult:
    """Bring an existing article in line with the document: a new revision
    only if its content differs and no editor changed it since the last
    import, and only the comments it lacks that no moderator deleted."""
    state = options.simulated.get(slug) if options.dry_run else None
    if state is None:
        state = _state_from_db(_existing_article(parent, slug, source))
    fields = _document_fields(document)
    differs = state.fields != fields
    kept = differs and state.edited and not options.overwrite
    needs_revision = differs and not kept
    # Publish only what the import itself made: a page it created as a draft
    # (never published), or a revision it saves now. A page an editor
    # unpublished, or an editor's pending draft, stays as the editor left it.
    needs_publish = (
        options.publish and not state.published and (needs_revision or not state.edited)
    )
    publishes = needs_publish or (needs_revision and options.publish)

    stored, deleted = Counter(state.stored), Counter(state.deleted)
    new_comments, deleted_count = [], 0
    for comment, posted_at in zip(document.comments, times, strict=True):
        key = _comment_key(comment.author_name, posted_at)
        if stored[key]:
            stored[key] -= 1
        elif deleted[key]:
            deleted[key] -= 1
            deleted_count += 1
        else:
            new_comments.append((comment, posted_at))

    if kept:
        action = KEPT
    elif needs_revision or needs_publish or new_comments:
        action = UPDATED
    else:
        action = UNCHANGED
    page = state.page
    if options.dry_run:
        state.stored += Counter(
            _comment_key(comment.author_name, posted_at)
            for comment, posted_at in new_comments
        )
        if needs_revision:
            state.fields, state.edited = fields, False
        state.published = state.published or publishes
        options.simulated[slug] = state
    elif needs_revision or publishes or new_comments:
        # A kept page with no new comment has nothing to write.
        if needs_revision:
            for name, value in fields.items():
                setattr(state.draft, name, value)
            _describe_if_empty(state.draft, document)
            revision = state.draft.save_revision(user=options.user, log_action=True)
            ImportedRevision.objects.create(revision=revision)
        if publishes:
            (revision if needs_revision else page.latest_revision).publish(
                user=options.user
            )
        comments = Comment.objects.bulk_create(
            _new_comment(page, comment, posted_at, options)
            for comment, posted_at in new_comments
        )
        if any(comment.status == CommentStatus.APPROVED for comment in comments):
            # bulk_create sends no signal: purge the article's caches, and
            # send comments_changed, once the import commits.
            articles_changed([page.pk])
        if needs_revision or publishes:
            page.refresh_from_db()  # for the result's live and revision state
    return _result(
        source,
        document,
        action,
        page,
        len(new_comments),
        options,
        comments_deleted=deleted_count,
        reason=EDITED_SINCE_IMPORT if kept else "",
    )


def _state_from_db(page: ArticlePageMixin) -> _PageState:
    keys = Comment.objects.filter(page=page).values_list("author_name", "posted_at")
    deleted = DeletedComment.objects.filter(page=page).values_list(
        "author_name", "posted_at"
    )
    imported = (
        page.latest_revision_id is not None
        and ImportedRevision.objects.filter(revision=page.latest_revision_id).exists()
    )
    draft = page.get_latest_revision_as_object()
    return _PageState(
        page=page,
        draft=draft,
        fields=_article_fields(draft),
        edited=not imported,
        published=page.first_published_at is not None,
        stored=Counter(_comment_key(*key) for key in keys),
        deleted=Counter(_comment_key(*key) for key in deleted),
    )


def _new_comment(page, comment, posted_at, options) -> Comment:
    # A comment the document marks hidden stays hidden, whatever the option.
    return Comment(
        page=page,
        author_name=comment.author_name,
        body=comment.body,
        posted_at=posted_at,
        status=comment.status or options.comment_status,
    )


def _result(
    source,
    document,
    action,
    page,
    comments_added,
    options,
    *,
    comments_deleted=0,
    reason="",
):
    return ImportResult(
        source=source,
        action=action,
        page_id=page.pk if page else None,
        url=page.full_url if page and page.live else None,
        title=document.title,
        sections=len(document.sections),
        comments=len(document.comments),
        comments_added=comments_added,
        dry_run=options.dry_run,
        comments_deleted=comments_deleted,
        reason=reason,
    )


def _existing_article(parent: Page, slug: str, source: str) -> ArticlePageMixin:
    # Not parent.get_children(): it finds none while the parent's numchild
    # is the stale 0 read before this batch created its first child.
    existing = get_base_page_model().objects.child_of(parent).get(slug=slug)
    if existing.specific_class is not get_article_model():
        raise WriteConflict(
            f"the slug {slug!r} under {parent.title!r} is taken by a "
            f"{existing.specific_class._meta.verbose_name}, not an article page",
            source=source,
            line=1,
        )
    return existing.specific


def _describe_if_empty(page: ArticlePageMixin, document: ArticleDocument) -> None:
    # The meta description: from the first section, never over an editor's.
    first = document.sections[0].content if document.sections else None
    fill_description(page, first)


def _document_fields(document: ArticleDocument) -> dict:
    return {
        "title": document.title,
        "author": document.author,
        "date": document.date,
        "body": [
            {"type": "section", "value": {"heading": s.heading, "content": s.content}}
            for s in document.sections
        ],
    }


def _article_fields(page: ArticlePageMixin) -> dict:
    return {
        "title": page.title,
        "author": page.author,
        "date": page.date,
        "body": [
            {"type": child["type"], "value": child["value"]}
            for child in page.body.raw_data
        ],
    }
