"""Write a parsed :class:`ArticleDocument` into Wagtail.

The only importer module that touches the ORM. Each document is written in
one transaction: it lands whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import tzinfo

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

from ..models import (
    ArticlePageMixin,
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)
from .errors import DocumentError, ParentPageError, WriteConflict
from .lookup import PageNotFound, find_page
from .types import ArticleDocument

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


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

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_parent(reference: Page | int | str | None = None) -> Page:
    """Find the page to import under (see :func:`.lookup.find_page`) and check
    that it may hold article pages."""
    try:
        parent = find_page(reference)
    except PageNotFound as err:
        raise ParentPageError(str(err)) from err
    if not get_article_model().can_exist_under(parent):
        raise ParentPageError(
            f"article pages are not allowed under {parent.title!r} "
            f"({parent.specific_class._meta.verbose_name})"
        )
    return parent


@dataclass(frozen=True)
class WriteOptions:
    """How to write: shared by every document of one import."""

    parent: Page
    timezone: tzinfo
    publish: bool = True
    comment_status: str = CommentStatus.APPROVED
    dry_run: bool = False


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
    time, so importing a document twice changes nothing, and existing comments
    stay as moderators left them. New articles are created together
    (:func:`_create_articles`); existing ones are updated one by one through
    Wagtail's revisions, each in a savepoint, so that a document that cannot
    be written leaves no trace and the others still land.
    """
    slugs = [article_slug(document) for _, document in documents]
    outcomes: list[ImportResult | DocumentError | None] = [None] * len(documents)
    with transaction.atomic():
        # Locking the parent serializes concurrent imports under it, so two
        # processes importing one document create one page.
        parent = (
            get_base_page_model().objects.select_for_update().get(pk=options.parent.pk)
        )
        children = parent.get_children().filter(slug__in=slugs)
        taken = set(children.values_list("slug", flat=True))
        new = {}
        for index, slug in enumerate(slugs):
            if not slug:
                outcomes[index] = WriteConflict(
                    "the title makes an empty URL slug; expected a title with "
                    "letters or digits",
                    source=documents[index][0],
                    line=1,
                )
            elif slug not in taken and slug not in new:
                new[slug] = index
        creatable = list(new.values())
        created = _create_articles(
            parent, [(*documents[i], slugs[i]) for i in creatable], options
        )
        for index, result in zip(creatable, created, strict=True):
            outcomes[index] = result
        for index, (source, document) in enumerate(documents):
            if outcomes[index] is None:
                try:
                    with transaction.atomic():
                        outcomes[index] = _update_article(
                            source, document, slugs[index], parent, options
                        )
                except DocumentError as err:
                    outcomes[index] = err
    return outcomes


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
        return [
            _result(source, document, CREATED, None, len(document.comments), options)
            for source, document, _slug in items
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
        for step, (_source, document, slug) in enumerate(items, start=last_step + 1):
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
        comment
        for page, (_source, document, _slug) in zip(pages, items, strict=True)
        for comment in _comments(page, document, options)
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
        for page, (source, document, _slug) in zip(pages, items, strict=True)
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


def _update_article(source, document, slug, parent, options) -> ImportResult:
    """Bring an existing article in line with the document: a new revision
    only if its content differs, and only the comments it lacks."""
    page = _existing_article(parent, slug, source)
    if page is None:  # a dry run, where an earlier document "created" it
        return _result(source, document, UPDATED, None, len(document.comments), options)
    new_comments = _missing_comments(page, _comments(page, document, options))
    draft = page.get_latest_revision_as_object()
    fields = _document_fields(document)
    needs_revision = _article_fields(draft) != fields
    # Publish only what the import itself made: a page it created as a draft
    # (never published), or a revision it saves now. A page an editor
    # unpublished, or an editor's pending draft, stays as the editor left it.
    needs_publish = options.publish and page.first_published_at is None
    if not (needs_revision or needs_publish or new_comments):
        return _result(source, document, UNCHANGED, page, 0, options)
    if not options.dry_run:
        revision = page.latest_revision
        if needs_revision:
            for name, value in fields.items():
                setattr(draft, name, value)
            revision = draft.save_revision()
        if needs_publish or (needs_revision and options.publish):
            revision.publish()
        Comment.objects.bulk_create(new_comments)
        page.refresh_from_db()
    return _result(source, document, UPDATED, page, len(new_comments), options)


def _comments(page, document, options) -> list[Comment]:
    return [
        Comment(
            page=page,
            author_name=comment.author_name,
            body=comment.body,
            posted_at=django_timezone.make_aware(comment.posted_at, options.timezone),
            status=options.comment_status,
        )
        for comment in document.comments
    ]


def _result(source, document, action, page, comments_added, options):
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
    )


def _existing_article(parent: Page, slug: str, source: str) -> ArticlePageMixin | None:
    existing = parent.get_children().filter(slug=slug).first()
    if existing is None:
        return None
    if existing.specific_class is not get_article_model():
        raise WriteConflict(
            f"the slug {slug!r} under {parent.title!r} is taken by a "
            f"{existing.specific_class._meta.verbose_name}, not an article page",
            source=source,
            line=1,
        )
    return existing.specific


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


def _missing_comments(page: ArticlePageMixin, comments: list[Comment]) -> list[Comment]:
    """Comments not yet stored, counting repeats: two comments by one author
    in the same minute are both kept."""
    stored = Counter(
        Comment.objects.filter(page=page).values_list("author_name", "posted_at")
    )
    missing = []
    for comment in comments:
        key = (comment.author_name, comment.posted_at)
        if stored[key]:
            stored[key] -= 1
        else:
            missing.append(comment)
    return missing
