"""Export an article page back into the text format ``import_article`` reads.

Moves articles between sites, and proves the importer loses nothing: an
imported document exports to the same text.
"""

from __future__ import annotations

from datetime import tzinfo

from django.utils import timezone as django_timezone

from .importer.formatter import format_document
from .importer.types import ArticleDocument, ReaderComment, Section
from .models import ArticlePage, CommentStatus


def article_document(
    page: ArticlePage,
    *,
    timezone: tzinfo,
    statuses=(CommentStatus.APPROVED,),
) -> ArticleDocument:
    """Read ``page``'s live content and its comments in ``statuses``.

    Only approved comments travel by default: pending and spam ones were never
    public. Comment times are given in ``timezone``, as the format has none.
    """
    sections = tuple(
        Section(
            heading=block.value["heading"],
            paragraphs=tuple(block.value["content"].split("\n\n")),
            line=0,
        )
        for block in page.body
        if block.block_type == "section"
    )
    comments = tuple(
        ReaderComment(
            author_name=comment.author_name,
            body=comment.body,
            posted_at=django_timezone.make_naive(comment.posted_at, timezone),
            line=0,
        )
        for comment in page.reader_comments.filter(status__in=statuses)
    )
    return ArticleDocument(
        title=page.title,
        author=page.author,
        date=page.date,
        sections=sections,
        comments=comments,
    )


def export_document(page: ArticlePage, *, timezone: tzinfo, **kwargs) -> str:
    """The page as export-format text; see :func:`article_document`."""
    return format_document(article_document(page, timezone=timezone, **kwargs))
