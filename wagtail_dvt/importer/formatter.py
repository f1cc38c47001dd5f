"""Write an :class:`ArticleDocument` back into the export format.

The inverse of :mod:`.parser`, and pure like it: for any document the parser
accepts in canonical form, ``format_document(parse_document(text)) == text``.
Canonical form is the bundled document's: one blank line between parts, a
date badge, the title repeated, and no newline after the last line.
"""

from __future__ import annotations

from datetime import date, datetime

from .parser import COMMENTS, MONTH_NAMES, WRITE_A_COMMENT
from .types import ArticleDocument


def format_document(document: ArticleDocument, newline: str = "\n") -> str:
    """Render ``document`` as text; ``newline="\\r\\n"`` gives CRLF files."""
    parts = [
        document.title,
        _badge(document.date),
        f"Posted on {_month(document.date)[:3]} {document.date.day}, "
        f"{document.date.year} by {document.author}",
        document.title,
    ]
    for section in document.sections:
        parts.append(section.heading)
        parts.extend(section.paragraphs)
    parts += [WRITE_A_COMMENT, COMMENTS]
    for comment in document.comments:
        parts += [
            f"{comment.author_name}\n{comment.author_name}",
            comment.body,
            _timestamp(comment.posted_at)
            + (f" ({comment.status})" if comment.status else ""),
        ]
    return newline.join("\n\n".join(parts).split("\n"))


def _month(day: date) -> str:
    return MONTH_NAMES[day.month - 1]


def _badge(day: date) -> str:
    return f"{day.day}{_month(day)}"


def _timestamp(moment: datetime) -> str:
    return f"{_month(moment)} {moment.day}, {moment.year} at {moment:%H:%M}"
