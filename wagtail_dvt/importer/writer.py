"""Write a parsed :class:`ArticleDocument` into Wagtail.

The only importer module that touches the ORM. Each document is written in
one transaction: it lands whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import tzinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone as django_timezone
from django.utils.text import slugify
from wagtail.models import Page

from ..lookup import PageNotFound, find_page
from ..models import ArticlePage, Comment, CommentStatus
from .errors import ParentPageError, WriteConflict
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
    """Find the page to import under (see :func:`~wagtail_dvt.lookup.find_page`)
    and check that it may hold article pages."""
    try:
        parent = find_page(reference)
    except PageNotFound as err:
        raise ParentPageError(str(err)) from err
    if not ArticlePage.can_exist_under(parent):
        raise ParentPageError(
            f"article pages are not allowed under {parent.title!r} "
            f"({parent.specific_class._meta.verbose_name})"
        )
    return parent


def write_document(
    document: ArticleDocument,
    *,
    source: str,
    parent: Page,
    publish: bool = True,
    timezone: tzinfo,
    comment_status: str = CommentStatus.APPROVED,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update the article under ``parent`` and add missing comments.

    Pages are matched by slug under the parent and comments by author and time,
    so importing the same document twice changes nothing. Existing comments
    are left as moderators made them.
    """
    slug = slugify(
        document.title,
        allow_unicode=getattr(settings, "WAGTAIL_ALLOW_UNICODE_SLUGS", True),
    )[:255]
    with transaction.atomic():
        # Lock the parent so that concurrent imports of one document serialize.
        Page.objects.select_for_update().filter(pk=parent.pk).first()
        page = _existing_article(parent, slug, source)
        comments = [
            Comment(
                author_name=comment.author_name,
                body=comment.body,
                posted_at=django_timezone.make_aware(comment.posted_at, timezone),
                status=comment_status,
            )
            for comment in document.comments
        ]
        if page is None:
            action, new_comments = CREATED, comments
        else:
            new_comments = _missing_comments(page, comments)
            needs_revision = _article_fields(page.get_latest_revision_as_object()) != (
                _document_fields(document)
            )
            needs_publish = publish and (not page.live or page.has_unpublished_changes)
            changed = needs_revision or needs_publish or new_comments
            action = UPDATED if changed else UNCHANGED

        if not dry_run:
            page = _save_page(document, parent, slug, page, publish, action)
            for comment in new_comments:
                comment.page = page
            Comment.objects.bulk_create(new_comments)

    return ImportResult(
        source=source,
        action=action,
        page_id=page.pk if page else None,
        url=page.full_url if page and page.live else None,
        title=document.title,
        sections=len(document.sections),
        comments=len(document.comments),
        comments_added=len(new_comments),
        dry_run=dry_run,
    )


def _existing_article(parent: Page, slug: str, source: str) -> ArticlePage | None:
    existing = parent.get_children().filter(slug=slug).first()
    if existing is None:
        return None
    if existing.specific_class is not ArticlePage:
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


def _article_fields(page: ArticlePage) -> dict:
    return {
        "title": page.title,
        "author": page.author,
        "date": page.date,
        "body": [
            {"type": child["type"], "value": child["value"]}
            for child in page.body.raw_data
        ],
    }


def _missing_comments(page: ArticlePage, comments: list[Comment]) -> list[Comment]:
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


def _save_page(document, parent, slug, page, publish, action) -> ArticlePage:
    if action == UNCHANGED:
        return page
    fields = _document_fields(document)
    if page is None:
        page = ArticlePage(slug=slug, live=False, **fields)
        parent.add_child(instance=page)
        revision = page.save_revision()
    else:
        draft = page.get_latest_revision_as_object()
        if _article_fields(draft) == fields:
            revision = page.latest_revision
        else:
            for name, value in fields.items():
                setattr(draft, name, value)
            revision = draft.save_revision()
    if publish and (revision != page.live_revision or not page.live):
        revision.publish()
    page.refresh_from_db()
    return page
