"""Import articles written in the blog export format.

:func:`import_document` is the public entry point, used alike by code, the
``import_article`` command and the tests. Parsing (:mod:`.parser`) is pure;
writing (:mod:`.writer`) is one transaction per document.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone as django_timezone

from ..conf import get_setting
from .errors import (
    DocumentError,
    ImporterError,
    ParentPageError,
    ParseError,
    WriteConflict,
)
from .parser import parse_document
from .types import ArticleDocument, ReaderComment, Section

if TYPE_CHECKING:
    from .writer import ImportResult

BUNDLED_DOCUMENT = (
    Path(__file__).resolve().parent.parent
    / "documents"
    / "dvt-interventional-radiology.txt"
)

__all__ = [
    "BUNDLED_DOCUMENT",
    "ArticleDocument",
    "DocumentError",
    "ImportResult",
    "ImporterError",
    "ParentPageError",
    "ParseError",
    "ReaderComment",
    "Section",
    "WriteConflict",
    "get_timezone",
    "import_document",
    "parse_document",
]


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
    from .writer import resolve_parent, write_document

    if isinstance(source, bytes):
        name = name or "<bytes>"
        data = source
    else:
        name = name or os.fspath(source)
        try:
            data = Path(source).read_bytes()
        except OSError as err:
            raise DocumentError(
                f"cannot read the file: {err.strerror}", source=name, line=None
            ) from err
    if comment_status is None:
        comment_status = get_setting("IMPORT_COMMENT_STATUS")
    document = parse_document(data, name)
    return write_document(
        document,
        source=name,
        parent=resolve_parent(parent),
        publish=publish,
        timezone=get_timezone(timezone),
        comment_status=comment_status,
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


def __getattr__(name):
    # ImportResult lives with the ORM code; load it lazily so that importing
    # the pure parser never needs Django's app registry.
    if name == "ImportResult":
        from .writer import ImportResult

        return ImportResult
    raise AttributeError(name)
