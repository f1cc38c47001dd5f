"""Turn uploaded files (``.txt`` documents or ``.zip`` archives) into documents.

Pure, like the parser: names and bytes in, ``(name, bytes)`` pairs out, with
every cap checked before more is read. An archive is untrusted input: sizes
it declares are checked, and then checked again while reading, since a
crafted archive may lie about them.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from .errors import ImporterError

#: Most bytes an archive entry may expand to per compressed byte.
MAX_COMPRESSION_RATIO = 100
DOCUMENT_SUFFIX = ".txt"
ARCHIVE_SUFFIX = ".zip"
#: Names and magic numbers of archives, refused inside an archive.
NESTED_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
NESTED_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf")
#: Entries that archivers add on their own, skipped without a word.
IGNORED_PARTS = ("__MACOSX",)
_BOMB = (
    f"compressed more than {MAX_COMPRESSION_RATIO}:1; refused as a possible zip bomb"
)


class UploadRefused(ImporterError):
    """The upload as a whole is refused; ``str()`` names the file and says why."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


@dataclass(frozen=True)
class UploadLimits:
    """The caps of one upload, in bytes and documents."""

    max_bytes: int  # per document
    max_total_bytes: int  # every document, uncompressed
    max_files: int


def read_uploads(
    files: Iterable[tuple[str, BinaryIO]], limits: UploadLimits
) -> list[tuple[str, bytes]]:
    """The documents of the uploaded files, as ``(name, bytes)`` in upload order.

    A document inside an archive is named ``archive.zip/path/in/archive.txt``.
    Raises :class:`UploadRefused` for the first file that breaks a rule.
    """
    reader = _Reader(limits)
    for name, file in files:
        lowered = name.lower()
        if lowered.endswith(DOCUMENT_SUFFIX):
            reader.add(name, _read_capped(file, limits.max_bytes, name))
        elif lowered.endswith(ARCHIVE_SUFFIX):
            reader.add_archive(name, file)
        else:
            raise UploadRefused(name, "not a .txt document or a .zip of them")
    if not reader.documents:
        raise UploadRefused("(upload)", "no .txt documents in the upload")
    return reader.documents


class _Reader:
    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.documents: list[tuple[str, bytes]] = []
        self.total = 0

    def add(self, name: str, data: bytes) -> None:
        if len(data) > self.limits.max_bytes:
            raise UploadRefused(
                name,
                f"larger than {self.limits.max_bytes} bytes, the limit per document",
            )
        if len(self.documents) >= self.limits.max_files:
            raise UploadRefused(
                name, f"more than {self.limits.max_files} documents in one upload"
            )
        self.total += len(data)
        if self.total > self.limits.max_total_bytes:
            raise UploadRefused(
                name,
                f"the upload exceeds {self.limits.max_total_bytes} bytes uncompressed",
            )
        self.documents.append((name, data))

    def add_archive(self, name: str, file: BinaryIO) -> None:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            raise UploadRefused(name, f"not a readable .zip archive ({err})") from None
        with archive:
            entries = [info for info in archive.infolist() if not _ignored(info)]
            declared = sum(info.file_size for info in entries)
            if declared > self.limits.max_total_bytes - self.total:
                raise UploadRefused(
                    name,
                    f"expands to {declared} bytes, more than the upload's limit of "
                    f"{self.limits.max_total_bytes} bytes",
                )
            for info in entries:
                entry_name = f"{name}/{info.filename}"
                _check_entry(info, entry_name)
                try:
                    with archive.open(info) as entry:
                        data = _read_capped(entry, self.limits.max_bytes, entry_name)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
                    raise UploadRefused(entry_name, f"cannot be read ({err})") from None
                if len(data) > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                    raise UploadRefused(entry_name, _BOMB)
                if data.startswith(NESTED_ARCHIVE_MAGIC):
                    raise UploadRefused(entry_name, "an archive inside the archive")
                self.add(entry_name, data)


def _ignored(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename).parts
    return info.is_dir() or any(part in IGNORED_PARTS for part in parts)


def _check_entry(info: zipfile.ZipInfo, name: str) -> None:
    """Refuse what could escape the archive or expand without bound."""
    path = info.filename.replace("\\", "/")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        raise UploadRefused(name, "a path outside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UploadRefused(name, "a link; only regular files are imported")
    lowered = path.lower()
    if lowered.endswith(NESTED_ARCHIVE_SUFFIXES):
        raise UploadRefused(name, "an archive inside the archive")
    if not lowered.endswith(DOCUMENT_SUFFIX):
        raise UploadRefused(name, "not a .txt document")
    if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise UploadRefused(name, _BOMB)


def _read_capped(file: BinaryIO, limit: int, name: str) -> bytes:
    """Read at most one byte past ``limit``, whatever the file claims."""
    data = file.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(name, f"larger than {limit} bytes, the limit per document")
    return data
