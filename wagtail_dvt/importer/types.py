"""Plain values that the parser produces and the writer consumes.

They carry no Django state, so a document can be parsed, inspected and
tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Section:
    """A heading and the Markdown paragraphs below it."""

    heading: str
    paragraphs: tuple[str, ...]
    line: int

    @property
    def content(self) -> str:
        """The section's Markdown: paragraphs separated by one blank line."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class ReaderComment:
    """One reader comment, with its time as written (no time zone).

    ``status`` is ``None`` for a comment that was public, or the hidden status
    ("pending", "rejected", "spam") that the document marks it with.
    """

    author_name: str
    body: str
    posted_at: datetime
    line: int
    status: str | None = None
    #: The entry's number in a format 2 thread marker (``[#3 re #1]``), and
    #: the number of the entry it replies to; ``None`` outside threads.
    number: int | None = None
    replies_to: int | None = None


@dataclass(frozen=True)
class ArticleDocument:
    """Everything one exported article says, in document order."""

    title: str
    author: str
    date: date
    sections: tuple[Section, ...]
    comments: tuple[ReaderComment, ...]
    #: The ``source-key`` header of a format 2 document, or ``None``: the
    #: identity the article was given at its first import (see
    #: :func:`~wagtail_dvt.importer.identity.source_key`).
    source_key: str | None = None
