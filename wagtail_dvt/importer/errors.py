"""Domain errors of the importer.

Only the management command turns them into ``CommandError``; code calling
:func:`~wagtail_dvt.importer.import_document` catches them directly.
"""

from __future__ import annotations


class ImporterError(Exception):
    """Base class: anything that stops an import and that a user can fix."""


class ParentPageError(ImporterError):
    """The page to import under does not exist or cannot hold articles."""


class DocumentError(ImporterError):
    """One document cannot be imported; ``str()`` gives ``PATH:LINE: message``.

    The line lets a site builder open the file at the right place.
    """

    def __init__(self, message: str, *, source: str = "<string>", line: int | None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.message}"
        return f"{self.source}:{self.line}: {self.message}"


class ParseError(DocumentError):
    """The text does not follow the export format."""


class WriteConflict(DocumentError):
    """The document is valid but cannot be written where it was asked to go."""
