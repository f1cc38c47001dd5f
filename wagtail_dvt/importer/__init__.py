"""Import articles written in the blog export format.

:func:`import_document` and :func:`import_documents` are the public entry
points, used alike by code, the ``import_article`` command and the tests.
Parsing (:mod:`.parser`) is pure; writing (:mod:`.writer`) is one transaction
per batch of documents. The ORM-backed names load on first use, so that the
parser can be imported without configuring Django.
"""

from .errors import (
    DocumentError,
    ImporterError,
    ParentPageError,
    ParseError,
    WriteConflict,
)
from .parser import parse_document
from .paths import BUNDLED_DOCUMENT
from .types import ArticleDocument, ReaderComment, Section

_SERVICE_NAMES = {
    "DirectoryDocument",
    "ImportResult",
    "documents_in",
    "get_timezone",
    "import_document",
    "import_documents",
}

__all__ = [
    "BUNDLED_DOCUMENT",
    "ArticleDocument",
    "DirectoryDocument",
    "DocumentError",
    "ImportResult",
    "ImporterError",
    "ParentPageError",
    "ParseError",
    "ReaderComment",
    "Section",
    "WriteConflict",
    "documents_in",
    "get_timezone",
    "import_document",
    "import_documents",
    "parse_document",
]


def __getattr__(name):
    if name in _SERVICE_NAMES:
        from . import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
