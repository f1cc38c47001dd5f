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
from django.db.models import F, Q
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
from ..comments.threads import bulk_create_threads
from ..models import (
    ArticlePageMixin,
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)
from ..seo.description import fill_description
from ..tombstones import DeletedComment, purge_expired_tombstones
from .errors import DocumentError, ParentPageError, WriteConflict
from .identity import (
    entry_fingerprint,
    legacy_fingerprint,
    source_key,
    tombstone_hash,
)
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
    #: Comments the article lacked at its first import after an upgrade from
    #: 0.1.x: counted as deleted, unless ``restore_missing``.
    comments_missing: int = 0
    #: Comments not added because the page is a translation: they belong to
    #: the article in the document's own locale.
    comments_in_source_locale: int = 0
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
    #: Add back comments an article lacked when first imported after an
    #: upgrade from 0.1.x (they are otherwise counted as deleted).
    restore_missing: bool = False
    #: The parent is a translation (``--locale``): the pages written are
    #: translations, and get no comments of the document.
    translation: bool = False
    #: In a dry run, what the pages would hold by now, by source key: a
    #: document given twice is reported as the real run would treat it.
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
    #: The comments it holds: each under its entry fingerprint and, if it was
    #: edited since, that of what it says now (as an export writes it).
    stored: dict[str, list]
    deleted: Counter  # tombstone hashes of the comments moderators deleted
    missing: Counter = field(default_factory=Counter)  # ... missing since upgrade
    #: Imported before 0.2.0 (no source key yet): comments are matched by name
    #: and minute once, and those the page lacks count as deleted.
    legacy: list | None = None
    translation: bool = False  # a translation of an article in another locale


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
    keys = [document_key(document) for _, document in documents]
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
        if not options.dry_run:
            purge_expired_tombstones()
        # Locking the parent serializes concurrent imports under it, so two
        # processes importing one document create one page.
        page_model = get_base_page_model()
        parent = page_model.objects.select_for_update().get(pk=options.parent.pk)
        targets = _find_targets(parent, keys, slugs, options)
        new = {}
        for index, key in enumerate(keys):
            if outcomes[index] is None and key not in targets and key not in new:
                new[key] = index
        creatable = list(new.values())
        free = _free_slugs(parent, [slugs[i] for i in creatable], options)
        created = _create_articles(
            parent,
            [
                (*documents[i], slug, times[i], keys[i])
                for i, slug in zip(creatable, free, strict=True)
            ],
            options,
        )
        for index, result in zip(creatable, created, strict=True):
            outcomes[index] = result
            if result.page_id is not None:
                # A document given again in this batch updates this page.
                targets[keys[index]] = result.page_id
        for index, (source, document) in enumerate(documents):
            if outcomes[index] is None:
                try:
                    with transaction.atomic():
                        outcomes[index] = _update_article(
                            source,
                            document,
                            keys[index],
                            targets.get(keys[index]),
                            times[index],
                            options,
                        )
                except DocumentError as err:
                    outcomes[index] = err
    return outcomes


def document_key(document: ArticleDocument) -> str:
    """The source key of a document: its header's, or derived from its byline."""
    return document.source_key or source_key(
        document.title, document.date, document.author
    )


def _find_targets(parent, keys, slugs, options) -> dict:
    """The existing article each key updates: ``{key: page or source}``.

    By the source key stored at its first import, whatever its slug or title
    are now; failing that, a page imported before 0.2.0 (no key) by its slug.
    A slug taken by any other page is a conflict, given as the ``source``
    (``WriteConflict``) to raise when the document is written.
    """
    ArticlePage = get_article_model()
    children = ArticlePage.objects.child_of(parent)
    targets = {}
    for page in children.filter(dvt_source_key__in=set(keys)).order_by("-pk"):
        targets[page.dvt_source_key] = page  # the oldest wins
    if options.dry_run:
        for key in keys:
            if key in options.simulated:
                targets[key] = None
    wanted = {
        slug: key for key, slug in zip(keys, slugs, strict=True) if key not in targets
    }
    if not wanted:
        return targets
    squatters = get_base_page_model().objects.child_of(parent)
    for page in squatters.filter(slug__in=list(wanted)):
        key = wanted[page.slug]
        if page.specific_class is not ArticlePage:
            targets[key] = WriteConflict(
                f"the slug {page.slug!r} under {parent.title!r} is taken by a "
                f"{page.specific_class._meta.verbose_name}, not an article page",
                source="",
                line=1,
            )
        elif not page.specific.dvt_source_key:
            targets[key] = page.specific
    return targets


def _free_slugs(parent, slugs, options) -> list[str]:
    """``slugs``, each made unique under ``parent`` with a ``-2``, ``-3``…

    Another article with the same title (a different author or date) is
    another article, and needs its own URL.
    """
    if options.dry_run or not slugs:
        return slugs
    children = get_base_page_model().objects.child_of(parent)
    # The usual case, no slug taken, costs one indexed lookup; only a taken
    # one reads its numbered variants.
    taken = set(children.filter(slug__in=set(slugs)).values_list("slug", flat=True))
    prefixes = Q()
    for slug in taken:
        prefixes |= Q(slug__startswith=f"{slug}-")
    if taken:
        taken |= set(children.filter(prefixes).values_list("slug", flat=True))
    free = []
    for slug in slugs:
        candidate, number = slug, 1
        while candidate in taken:
            number += 1
            suffix = f"-{number}"
            candidate = slug[: 255 - len(suffix)] + suffix
        taken.add(candidate)
        free.append(candidate)
    return free


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
    added = 0 if options.translation else None
    if options.dry_run:
        for _source, document, _slug, times, key in items:
            options.simulated[key] = _PageState(
                page=None,
                draft=None,
                fields=_document_fields(document),
                edited=False,
                published=options.publish,
                stored=_held(
                    ()
                    if options.translation
                    else _entry_fingerprints(document.comments, times)
                ),
                deleted=Counter(),
                translation=options.translation,
            )
        return [
            _created(source, document, None, added, options)
            for source, document, _slug, _times, _key in items
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
        for step, (_source, document, slug, _times, key) in enumerate(
            items, start=last_step + 1
        ):
            page = ArticlePage(
                slug=slug,
                dvt_source_key=key,
                **_translation_of(key, parent, options),
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

    if not options.translation:
        bulk_create_threads(
            new
            for page, (_s, document, _slug, times, _k) in zip(pages, items, strict=True)
            for new in _threaded(
                [
                    (comment, _new_comment(page, comment, posted_at, options))
                    for comment, posted_at in zip(document.comments, times, strict=True)
                ]
            )
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
        _created(source, document, page, added, options)
        for page, (source, document, _slug, _times, _key) in zip(
            pages, items, strict=True
        )
    ]


def _created(source, document, page, added, options) -> ImportResult:
    """The result of creating ``page``; ``added`` is ``0`` for a translation."""
    comments = len(document.comments)
    return _result(
        source,
        document,
        CREATED,
        page,
        comments if added is None else added,
        options,
        comments_in_source_locale=0 if added is None else comments,
    )


def _translation_of(key, parent, options) -> dict:
    """Link a page imported with ``--locale`` to the article it translates.

    The article with the same source key in another locale, if it has no
    page in this locale yet: Wagtail then lists the two as translations.
    """
    if not options.translation:
        return {}
    translated = (
        get_article_model()
        .objects.filter(dvt_source_key=key)
        .exclude(locale_id=parent.locale_id)
        .order_by("pk")
        .values_list("translation_key", flat=True)
        .first()
    )
    if (
        translated is None
        or get_base_page_model()
        .objects.filter(translation_key=translated, locale_id=parent.locale_id)
        .exists()
    ):
        return {}
    return {"translation_key": translated}


def _entry_fingerprints(comments, times) -> list[str]:
    return [
        entry_fingerprint(comment.author_name, posted_at, comment.body)
        for comment, posted_at in zip(comments, times, strict=True)
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


def _update_article(source, document, key, target, times, options) -> ImportResult:
    """Bring an existing article in line with the document: a new revision
    only if its content differs and no editor changed it since the last
    import, and only the comments it lacks that no moderator deleted."""
    if isinstance(target, WriteConflict):
        raise WriteConflict(target.message, source=source, line=target.line)
    state = options.simulated.get(key) if options.dry_run else None
    if state is None:
        if isinstance(target, int):
            target = get_article_model().objects.get(pk=target)
        state = _state_from_db(target)
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
    matching = _match_comments(document, times, state, options)

    if kept:
        action = KEPT
    elif needs_revision or needs_publish or matching.new:
        action = UPDATED
    else:
        action = UNCHANGED
    page = state.page
    if options.dry_run:
        for fingerprint, tokens in _held(
            entry_fingerprint(comment.author_name, posted_at, comment.body)
            for comment, posted_at in matching.new
        ).items():
            state.stored.setdefault(fingerprint, []).extend(tokens)
        state.legacy = None
        if needs_revision:
            state.fields, state.edited = fields, False
        state.published = state.published or publishes
        options.simulated[key] = state
    else:
        if state.legacy is not None:
            _adopt(page, key, matching)
        if needs_revision or publishes or matching.new:
            # A kept page with no new comment has nothing more to write.
            _write_update(
                page,
                document,
                state,
                fields,
                needs_revision,
                publishes,
                matching,
                options,
            )
    return _result(
        source,
        document,
        action,
        page,
        len(matching.new),
        options,
        comments_deleted=matching.deleted,
        comments_missing=len(matching.missing),
        comments_in_source_locale=matching.untranslated,
        reason=EDITED_SINCE_IMPORT if kept else "",
    )


def _write_update(
    page, document, state, fields, needs_revision, publishes, matching, options
):
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
    if matching.restored:
        DeletedComment.objects.filter(pk__in=matching.restored).delete()
    comments = bulk_create_threads(matching.new_comments(page))
    if any(comment.status == CommentStatus.APPROVED for comment in comments):
        # bulk_create sends no signal: purge the article's caches, and
        # send comments_changed, once the import commits.
        articles_changed([page.pk])
    if needs_revision or publishes:
        page.refresh_from_db()  # for the result's live and revision state


def _adopt(page, key, matching):
    """Give a page imported before 0.2.0 its source key, once.

    Its comments matched by name and minute take the fingerprint of their
    document entry; the entries it lacked get a tombstone, so that they
    count as deleted from now on (``--restore-missing`` brings them back).
    """
    type(page).objects.filter(pk=page.pk).update(dvt_source_key=key)
    page.dvt_source_key = key
    for pk, fingerprint in matching.adopted:
        Comment.objects.filter(pk=pk).update(entry_fingerprint=fingerprint)
    DeletedComment.objects.bulk_create(
        DeletedComment(
            page_id=page.pk,
            entry_hash=tombstone_hash(fingerprint),
            missing_since_upgrade=missing,
        )
        for fingerprint, missing in matching.tombstones
    )


@dataclass
class _Matching:
    """How a document's comments meet the page's: what to add, and why not."""

    options: WriteOptions
    new: list = field(default_factory=list)  # (comment, posted_at) to add
    deleted: int = 0  # deleted by moderators, not added
    missing: list = field(default_factory=list)  # missing since the upgrade
    untranslated: int = 0  # left to the article in the source locale
    adopted: list = field(default_factory=list)  # (comment pk, fingerprint)
    tombstones: list = field(default_factory=list)  # (fingerprint, missing?)
    restored: list = field(default_factory=list)  # tombstone pks to drop

    #: Document entry numbers of the comments the page holds already, to
    #: their ids: a new reply may answer one of them.
    held_numbers: dict = field(default_factory=dict)

    def new_comments(self, page):
        return _threaded(
            [
                (comment, _new_comment(page, comment, posted_at, self.options))
                for comment, posted_at in self.new
            ],
            self.held_numbers,
        )


def _match_comments(document, times, state, options) -> _Matching:
    """Match the document's comments with the page's by entry fingerprint.

    A page imported before 0.2.0 is matched once by name and minute as well
    (its comments' fingerprints were taken from their text at the upgrade,
    after any moderator's edit); an entry it lacks counts as deleted.
    """
    matching = _Matching(options)
    if state.translation or options.translation:
        matching.untranslated = len(document.comments)
        return matching
    deleted, missing = (
        Counter(state.deleted),
        {hashed: list(pks) for hashed, pks in state.missing.items()},
    )
    # First every entry the page holds, so that an edited comment matched by
    # name and minute below cannot take an unedited one's place.
    unmatched, used = [], set()
    for comment, posted_at in zip(document.comments, times, strict=True):
        fingerprint = entry_fingerprint(comment.author_name, posted_at, comment.body)
        held = state.stored.get(fingerprint, ())
        token = next((token for token in held if token not in used), None)
        if token is None:
            unmatched.append((comment, posted_at, fingerprint))
        else:
            used.add(token)
            if comment.number is not None and isinstance(token, int):
                matching.held_numbers[comment.number] = token
    legacy = [row for row in state.legacy or () if row[0] not in used]
    for comment, posted_at, fingerprint in unmatched:
        hashed = tombstone_hash(fingerprint)
        if missing.get(hashed):
            if options.restore_missing:
                matching.restored.append(missing[hashed].pop())
                matching.new.append((comment, posted_at))
            else:
                missing[hashed].pop()
                matching.missing.append(comment)
        elif deleted[hashed]:
            deleted[hashed] -= 1
            matching.deleted += 1
        elif state.legacy is None:
            matching.new.append((comment, posted_at))
        else:
            _match_legacy(matching, legacy, deleted, comment, posted_at, fingerprint)
    return matching


def _held(fingerprints) -> dict[str, list]:
    """Comments a dry run would have added, each under a token of its own."""
    held = {}
    for fingerprint in fingerprints:
        held.setdefault(fingerprint, []).append(object())
    return held


def _match_legacy(matching, legacy, deleted, comment, posted_at, fingerprint):
    """Match an entry of a page imported before 0.2.0 by name and minute."""
    minute = posted_at.replace(second=0, microsecond=0)
    for index, (pk, name, at) in enumerate(legacy):
        if name == comment.author_name and at == minute:
            matching.adopted.append((pk, fingerprint))
            del legacy[index]
            return
    legacy_hash = tombstone_hash(legacy_fingerprint(comment.author_name, posted_at))
    if deleted[legacy_hash]:
        deleted[legacy_hash] -= 1
        matching.deleted += 1
        matching.tombstones.append((fingerprint, False))
    elif matching.options.restore_missing:
        matching.new.append((comment, posted_at))
    else:
        matching.missing.append(comment)
        matching.tombstones.append((fingerprint, True))


def _state_from_db(page: ArticlePageMixin) -> _PageState:
    comments = Comment.objects.filter(page=page)
    tombstones = DeletedComment.objects.filter(page=page).values_list(
        "pk", "entry_hash", "missing_since_upgrade"
    )
    deleted, missing = Counter(), {}
    for pk, hashed, missing_since_upgrade in tombstones:
        if missing_since_upgrade:
            missing.setdefault(hashed, []).append(pk)
        else:
            deleted[hashed] += 1
    stored, legacy = {}, []
    for pk, name, at, body, held in comments.values_list(
        "pk", "author_name", "posted_at", "body", "entry_fingerprint"
    ):
        stored.setdefault(held, []).append(pk)
        now = entry_fingerprint(name, at, body)
        if now != held:
            stored.setdefault(now, []).append(pk)
        legacy.append((pk, name, at.astimezone(UTC).replace(second=0, microsecond=0)))
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
        stored=stored,
        deleted=deleted,
        missing=missing,
        legacy=None if page.dvt_source_key else legacy,
        translation=_is_translation(page),
    )


def _is_translation(page) -> bool:
    """Whether ``page`` was made as a translation of an older page.

    Each translation keeps its own comments: the document's belong to the
    article in its own locale.
    """
    return (
        get_base_page_model()
        .objects.filter(translation_key=page.translation_key, pk__lt=page.pk)
        .exclude(locale_id=page.locale_id)
        .exists()
    )


def _threaded(entries, held_numbers=None) -> list:
    """The new comments of ``(entry, comment)`` pairs, each linked to its parent.

    A reply answers a new comment of the same document, or one the page
    holds (``held_numbers``: entry numbers to ids). One whose parent entry is
    not there (deleted by a moderator) becomes a top-level comment: it is
    not lost.
    """
    new_numbers = {
        entry.number: comment for entry, comment in entries if entry.number is not None
    }
    held_numbers = held_numbers or {}
    for entry, comment in entries:
        if entry.replies_to in new_numbers:
            comment.parent = new_numbers[entry.replies_to]
        elif entry.replies_to in held_numbers:
            comment.parent_id = held_numbers[entry.replies_to]
    return [comment for _entry, comment in entries]


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
    comments_missing=0,
    comments_in_source_locale=0,
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
        comments_missing=comments_missing,
        comments_in_source_locale=comments_in_source_locale,
        reason=reason,
    )


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
