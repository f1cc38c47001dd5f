"""Write an :class:`ArticleDocument` back into the export format.

The inverse of :mod:`.parser`, and pure like it: for any document the parser
accepts in canonical form, ``format_document(parse_document(text)) == text``.
Canonical form is the bundled document's: one blank line between parts, a
date badge, the title repeated, and no newline after the last line.

A document with a source key, a comment line that must be escaped, or
replies, is written in format 2 (see ``docs/format.md``); any other in format 1, as
before, so that older importers still read it.
"""

from __future__ import annotations

from datetime import date, datetime

from .parser import (
    COMMENTS,
    ESCAPE,
    FORMAT_HEADER,
    FORMAT_VERSION,
    MONTH_NAMES,
    SOURCE_KEY_HEADER,
    WRITE_A_COMMENT,
    is_time_line,
)
from .types import ArticleDocument


def format_document(document: ArticleDocument, newline: str = "\n") -> str:
    """Render ``document`` as text; ``newline="\\r\\n"`` gives CRLF files."""
    escaping = any(
        _needs_escape(lines, index)
        for comment in document.comments
        for lines in [comment.body.split("\n")]
        for index in range(len(lines))
    )
    threaded = any(comment.number is not None for comment in document.comments)
    header = []
    if document.source_key or escaping or threaded:
        header = [f"{FORMAT_HEADER}: {FORMAT_VERSION}"]
        if document.source_key:
            header.append(f"{SOURCE_KEY_HEADER}: {document.source_key}")
    parts = [
        *(["\n".join(header)] if header else []),
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
            _escaped(comment.body) if header else comment.body,
            _timestamp(comment.posted_at)
            + (f" ({comment.status})" if comment.status else "")
            + _thread_marker(comment),
        ]
    return newline.join("\n\n".join(parts).split("\n"))


def _needs_escape(lines: list[str], index: int) -> bool:
    """Whether a body line would read as structure, or starts with the escape.

    A time line would end the comment early; a line repeated on the next one
    reads as the next comment's name.
    """
    line = lines[index]
    following = lines[index + 1] if index + 1 < len(lines) else None
    return (
        line.startswith(ESCAPE)
        or is_time_line(line)
        or (
            bool(line.strip())
            and following is not None
            and following.strip() == line.strip()
        )
    )


def _escaped(body: str) -> str:
    lines = body.split("\n")
    return "\n".join(
        ESCAPE + line if _needs_escape(lines, index) else line
        for index, line in enumerate(lines)
    )


def _thread_marker(comment) -> str:
    """`` [#N]`` or `` [#N re #M]`` after the time line; empty outside threads."""
    if comment.number is None:
        return ""
    if comment.replies_to is None:
        return f" [#{comment.number}]"
    return f" [#{comment.number} re #{comment.replies_to}]"


def _month(day: date) -> str:
    return MONTH_NAMES[day.month - 1]


def _badge(day: date) -> str:
    return f"{day.day}{_month(day)}"


def _timestamp(moment: datetime) -> str:
    return f"{_month(moment)} {moment.day}, {moment.year} at {moment:%H:%M}"
