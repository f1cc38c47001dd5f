"""Import documents from files or bytes: read, parse, then write.

The public entry points, re-exported by :mod:`wagtail_dvt.importer`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
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


def import_document(
    source: str | os.PathLike | bytes = BUNDLED_DOCUMENT,
    *,
    name: str | None = None,
    parent=None,
    publish: bool = True,
    dry_run: bool = False,
    timezone: str | tzinfo | None = None,
    comment_status: str | None = None,
) -> ImportResult:
    """Import one document and return what was done.

    ``source`` is a file path, or the document's bytes (then ``name`` is used
    in error messages). ``parent`` is a page, a page id or a URL path; the
    default Site's root page by default. Comment times are read in
    ``timezone`` (default: ``TIME_ZONE``). Raises :class:`ImporterError`
    subclasses, never writing part of a document.
    """
    options = _write_options(parent, publish, dry_run, timezone, comment_status)
    name, data = _read(source, name)
    return write_document(parse_document(data, name), source=name, options=options)


def import_documents(
    sources: Iterable[str | os.PathLike | tuple[str, bytes]],
    *,
    parent=None,
    publish: bool = True,
    dry_run: bool = False,
    timezone: str | tzinfo | None = None,
    comment_status: str | None = None,
    batch_size: int = 100,
) -> Iterator[ImportResult | DocumentError]:
    """Import many documents, yielding one outcome per source, in order.

    Sources are paths or ``(name, bytes)`` pairs. Documents are written in
    batches of ``batch_size``, one transaction each, with new pages created
    in bulk; a document that cannot be imported is yielded as its
    :class:`DocumentError` and writes nothing, and the others still land.
    Options are those of :func:`import_document`.
    """
    options = _write_options(parent, publish, dry_run, timezone, comment_status)
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
                name, data = source
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
    if isinstance(source, bytes):
        return name or "<bytes>", source
    name = name or os.fspath(source)
    try:
        return name, Path(source).read_bytes()
    except OSError as err:
        raise DocumentError(
            f"cannot read the file: {err.strerror}", source=name, line=None
        ) from err


def _write_options(parent, publish, dry_run, timezone, comment_status):
    return WriteOptions(
        parent=resolve_parent(parent),
        timezone=get_timezone(timezone),
        publish=publish,
        comment_status=comment_status or get_setting("IMPORT_COMMENT_STATUS"),
        dry_run=dry_run,
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
