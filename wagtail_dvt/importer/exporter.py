"""Export an article page back into the text format ``import_article`` reads.

Moves articles between sites, and proves the importer loses nothing: an
imported document exports to the same text.
"""

from __future__ import annotations

from datetime import tzinfo

from django.utils import timezone as django_timezone

from ..models import ArticlePageMixin, CommentStatus
from .errors import ParseError
from .formatter import format_document
from .parser import parse_document
from .types import ArticleDocument, ReaderComment, Section


def article_document(
    page: ArticlePageMixin,
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


class ExportError(Exception):
    """The page holds text that the export format cannot carry faithfully."""


def export_document(page: ArticlePageMixin, *, timezone: tzinfo, **kwargs) -> str:
    """The page as export-format text; see :func:`article_document`.

    The text is read back before it is returned: a comment whose text looks
    like the format's own structure (a time line, a repeated name) or an
    edited section that reads differently would not import as it was, so it
    raises :class:`ExportError` instead of writing a file that loses content.
    """
    document = article_document(page, timezone=timezone, **kwargs)
    text = format_document(document)
    try:
        exported = parse_document(text, page.title)
    except ParseError as err:
        raise ExportError(
            f"{page.title!r} cannot be exported faithfully: {err.message}"
        ) from err
    if _content(exported) != _content(document):
        raise ExportError(
            f"{page.title!r} cannot be exported faithfully: its sections or "
            "comments would read back differently"
        )
    return text


def _content(document: ArticleDocument):
    """Everything but line numbers, for comparing documents."""
    return (
        document.title,
        document.author,
        document.date,
        [(s.heading, s.paragraphs) for s in document.sections],
        [(c.author_name, c.body, c.posted_at) for c in document.comments],
    )
