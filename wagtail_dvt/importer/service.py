"""Import documents from files or bytes: read, parse, then write.

The public entry points, re-exported by :mod:`wagtail_dvt.importer`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone as django_timezone

from ..conf import get_setting
from .errors import DocumentError, ImporterError
from .parser import parse_document
from .paths import BUNDLED_DOCUMENT
from .writer import (
    ImportResult,
    WriteOptions,
    resolve_parent,
    write_document,
    write_documents,
)


@dataclass(frozen=True)
class DirectoryDocument:
    """A document found in a directory: read only if it stays inside it."""

    path: Path
    directory: Path

    def __fspath__(self) -> str:
        return os.fspath(self.path)


def documents_in(directory: str | os.PathLike) -> list[DirectoryDocument]:
    """The ``*.txt`` entries of ``directory``, in name order.

    Entries are checked when read: a FIFO or a symbolic link out of the
    directory fails as its own document, by name.
    """
    directory = Path(directory)
    return [
        DirectoryDocument(path, directory) for path in sorted(directory.glob("*.txt"))
    ]


def import_document(
    source: str | os.PathLike | bytes = BUNDLED_DOCUMENT,
    *,
    name: str | None = None,
    parent=None,
    locale: str | None = None,
    publish: bool = True,
    dry_run: bool = False,
    overwrite: bool = False,
    timezone: str | tzinfo | None = None,
    comment_status: str | None = None,
    restore_missing: bool = False,
) -> ImportResult:
    """Import one document and return what was done.

    ``source`` is a file path, or the document's bytes (then ``name`` is used
    in error messages). ``parent`` is a page, a page id, a URL path or a URL;
    the default Site's root page by default; with ``locale``, its translation
    in that locale. Comment times are read in ``timezone`` (default:
    ``TIME_ZONE``). A page edited in Wagtail since the last import keeps its
    content unless ``overwrite``. Comments an article lacked when it was
    first imported after an upgrade from 0.1.x count as deleted unless
    ``restore_missing``. With ``locale``, the page is a translation and gets
    none of the document's comments. Raises :class:`ImporterError`
    subclasses, never writing part of a document.
    """
    options = _write_options(
        parent=parent,
        locale=locale,
        publish=publish,
        dry_run=dry_run,
        overwrite=overwrite,
        timezone=timezone,
        comment_status=comment_status,
        restore_missing=restore_missing,
    )
    name, data = _read(source, name)
    return write_document(parse_document(data, name), source=name, options=options)


def import_documents(
    sources: Iterable[str | os.PathLike | tuple[str, bytes]],
    *,
    parent=None,
    locale: str | None = None,
    publish: bool = True,
    dry_run: bool = False,
    overwrite: bool = False,
    timezone: str | tzinfo | None = None,
    comment_status: str | None = None,
    restore_missing: bool = False,
    batch_size: int = 100,
    user=None,
) -> Iterator[ImportResult | DocumentError]:
    """Import many documents, yielding one outcome per source, in order.

    Sources are paths (see :func:`documents_in` for a directory's) or
    ``(name, bytes)`` pairs. Documents are written in batches of
    ``batch_size``, one transaction each, with new pages created in bulk; a
    document that cannot be imported is yielded as its :class:`DocumentError`
    and writes nothing, and the others still land. Options are those of
    :func:`import_document`; ``user`` is who imports, named in the pages'
    audit log and revisions.
    """
    options = _write_options(
        parent=parent,
        locale=locale,
        publish=publish,
        dry_run=dry_run,
        overwrite=overwrite,
        timezone=timezone,
        comment_status=comment_status,
        restore_missing=restore_missing,
        user=user,
    )
    batch = []
    for source in sources:
        batch.append(source)
        if len(batch) == batch_size:
            yield from _import_batch(batch, options)
            batch = []
    if batch:
        yield from _import_batch(batch, options)


def _import_batch(sources, options):
    outcomes: list = [None] * len(sources)
    parsed = []
    for index, source in enumerate(sources):
        try:
            if isinstance(source, tuple):
                name, data = _read(source[1], source[0])
            else:
                name, data = _read(source)
            parsed.append((index, name, parse_document(data, name)))
        except DocumentError as err:
            outcomes[index] = err
    written = write_documents([(name, doc) for _, name, doc in parsed], options)
    for (index, _name, _doc), outcome in zip(parsed, written, strict=True):
        outcomes[index] = outcome
    return outcomes


def _read(source: str | os.PathLike | bytes, name: str | None = None):
    """The document's name and bytes; only regular files, at most the size cap.

    A FIFO or a device would block or never end: they are refused from
    ``os.stat`` before opening, and the file is opened without blocking in
    case it was swapped meanwhile.
    """
    limit = get_setting("IMPORT_MAX_BYTES")
    if isinstance(source, bytes):
        name = name or "<bytes>"
        if len(source) > limit:
            raise _too_large(name, limit)
        return name, source
    name = name or os.fspath(source)
    path = Path(source)
    if isinstance(source, DirectoryDocument):
        _check_inside(source, name)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise DocumentError(
                f"not a regular file ({_kind(mode)}); expected a text file",
                source=name,
                line=None,
            )
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise DocumentError(
                    "not a regular file; expected a text file", source=name, line=None
                )
            data = file.read(limit + 1)
    except OSError as err:
        raise DocumentError(
            f"cannot read the file: {err.strerror}", source=name, line=None
        ) from err
    if len(data) > limit:
        raise _too_large(name, limit)
    return name, data


def _check_inside(document: DirectoryDocument, name: str) -> None:
    """Refuse a link out of the directory, without saying what it points at."""
    directory = document.directory.resolve()
    if not document.path.resolve().is_relative_to(directory):
        raise DocumentError(
            f"a symbolic link out of the directory {os.fspath(document.directory)}; "
            "refused (give the file itself to import it)",
            source=name,
            line=None,
        )


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((kind for test, kind in kinds if test(mode)), "a special file")


def _too_large(name: str, limit: int) -> DocumentError:
    return DocumentError(
        f"larger than {limit} bytes, the importer's limit; raise "
        'WAGTAIL_DVT["IMPORT_MAX_BYTES"] to import it',
        source=name,
        line=None,
    )


def _write_options(
    *,
    parent,
    locale,
    publish,
    dry_run,
    overwrite,
    timezone,
    comment_status,
    restore_missing,
    user=None,
):
    return WriteOptions(
        parent=resolve_parent(parent, locale=locale),
        timezone=get_timezone(timezone),
        publish=publish,
        comment_status=comment_status or get_setting("IMPORT_COMMENT_STATUS"),
        dry_run=dry_run,
        overwrite=overwrite,
        restore_missing=restore_missing,
        translation=locale is not None,
        user=user,
    )


def get_timezone(value: str | tzinfo | None) -> tzinfo:
    """Turn a zone name into a tzinfo; ``None`` means the site's ``TIME_ZONE``."""
    if value is None:
        return django_timezone.get_default_timezone()
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ImporterError(f"unknown time zone {value!r}") from err
