"""Export an article page back into the text format ``import_article`` reads.

Moves articles between sites, and proves the importer loses nothing: an
imported document exports to the same text.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import tempfile
from datetime import tzinfo
from pathlib import Path

from django.utils import timezone as django_timezone

from ..models import ArticlePageMixin, CommentStatus
from .errors import ParseError
from .formatter import format_document
from .identity import source_key
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
    public, and when asked for they carry their status, which the importer
    keeps. Comment times are given in ``timezone``, as the format has none,
    to the minute, as the format has no seconds (comments posted on the web
    have them; re-import matches comments to the minute).
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
    exported = list(
        page.reader_comments.filter(status__in=statuses, removed=False).order_by(
            "posted_at", "pk"
        )
    )
    comments = tuple(
        _numbered(
            [
                ReaderComment(
                    author_name=comment.author_name,
                    body=comment.body,
                    posted_at=django_timezone.make_naive(
                        comment.posted_at, timezone
                    ).replace(second=0, microsecond=0),
                    line=0,
                    status=(
                        None
                        if comment.status == CommentStatus.APPROVED
                        else comment.status
                    ),
                )
                for comment in exported
            ],
            [(comment.pk, comment.parent_id) for comment in exported],
        )
    )
    # The key is written only when the page's title, date or author no longer
    # give it: an unchanged article exports to the very text it was imported
    # from, which importers before format 2 read too.
    key = page.dvt_source_key
    if key == source_key(page.title, page.date, page.author):
        key = ""
    return ArticleDocument(
        title=page.title,
        author=page.author,
        date=page.date,
        sections=sections,
        comments=comments,
        source_key=key or None,
    )


def _numbered(entries, links):
    """The entries with thread markers: ``links`` are ``(pk, parent pk)`` pairs.

    An entry that has replies, or is one, gets a number (its place, from 1);
    a reply names its parent's. A reply whose parent is not exported (hidden,
    or removed) is exported as a top-level comment, so that it is not lost.
    """
    places = {pk: place for place, (pk, _parent) in enumerate(links, start=1)}
    parents = {parent for _pk, parent in links if parent in places}
    numbered = []
    for entry, (pk, parent) in zip(entries, links, strict=True):
        replies_to = places.get(parent)
        if replies_to is None and pk not in parents:
            numbered.append(entry)
            continue
        numbered.append(
            dataclasses.replace(entry, number=places[pk], replies_to=replies_to)
        )
    return numbered


class ExportError(Exception):
    """The page holds text that the export format cannot carry faithfully."""


def export_document(page: ArticlePageMixin, *, timezone: tzinfo, **kwargs) -> str:
    """The page as export-format text; see :func:`article_document`.

    The text is read back before it is returned: comment lines that look like
    the format's own structure are escaped (format 2), and an edited section
    that would read differently raises :class:`ExportError` instead of
    writing a file that loses content.
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
        document.source_key,
        [(s.heading, s.paragraphs) for s in document.sections],
        [(c.author_name, c.body, c.posted_at, c.status) for c in document.comments],
    )


def _export_mode(path: Path, *, force: bool, private: bool) -> int:
    """The replaced file's mode; else 0600 if private; else what the umask gives."""
    if force:
        try:
            return stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            pass
    if private:
        return 0o600
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_export(
    text: str, path: str | os.PathLike, *, force: bool = False, private: bool = False
) -> None:
    """Write ``text`` to ``path`` whole or not at all.

    The text goes to a temporary file beside ``path``, then replaces it in one
    step, so a reader (or a crash) never sees half a file. An existing file is
    only replaced with ``force``, and keeps its mode. A new file gets the mode
    an ordinary new file gets, or with ``private`` (an export of hidden
    comments), is readable by its owner only.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path}: is a directory; expected a file name")
    if not path.parent.is_dir():
        raise ExportError(f"{path}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise ExportError(f"{path}: the file exists; use --force to replace it")
    try:
        descriptor, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as err:
        raise ExportError(f"{path}: cannot write: {err.strerror}") from err
    temporary = Path(name)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp creates the file readable by its owner only.
        temporary.chmod(_export_mode(path, force=force, private=private))
        if force:
            os.replace(temporary, path)
        else:
            # A hard link fails if the name was taken since the check above,
            # where a rename would replace what another process just wrote.
            os.link(temporary, path)
    except FileExistsError:
        raise ExportError(
            f"{path}: the file exists; use --force to replace it"
        ) from None
    except OSError as err:
        raise ExportError(f"{path}: cannot write: {err.strerror}") from err
    finally:
        temporary.unlink(missing_ok=True)
