"""What makes an article, and a comment of it, the same on the next import.

Pure, like the parser: an article is known by the source key it was given at
its first import, and a document comment by the fingerprint of its entry.
Neither depends on what editors or moderators changed since, nor on the
site's ``SECRET_KEY``, so renaming a page, redacting a comment or rotating
the secret brings nothing back twice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

#: Hex digits of a source key: 128 bits, plenty to keep articles apart.
SOURCE_KEY_LENGTH = 32
_TOMBSTONE_NAMESPACE = b"wagtail-dvt tombstone 1\0"


def source_key(title: str, posted_on: date, author: str) -> str:
    """The key of the article a document describes: its title, date and author.

    Two documents that differ in any of these are two articles.
    """
    data = "\0".join(("article", title, posted_on.isoformat(), author))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:SOURCE_KEY_LENGTH]


def entry_fingerprint(author_name: str, posted_at: datetime, body: str) -> str:
    """A SHA-256 hex digest of one comment entry: the name, the minute and the text.

    ``posted_at`` is aware; it counts in UTC to the minute, as the format
    writes no seconds. Stored on a comment when it is created, and never
    recomputed, so that it still matches the document after a moderator's
    edit or an erasure.
    """
    minute = posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    data = "\0".join(("entry", author_name.strip(), minute, body))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def legacy_fingerprint(author_name: str, posted_at: datetime) -> str:
    """What a tombstone written before 0.2.0 knew of a comment: name and minute.

    Migration 0004 turns those tombstones into hashes of this, and the first
    import after the upgrade checks document entries against it too.
    """
    minute = posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    data = "\0".join(("legacy", author_name.strip(), minute))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def tombstone_hash(fingerprint: str) -> str:
    """What a tombstone keeps of a deleted comment: a hash of its fingerprint.

    Not keyed on ``SECRET_KEY``: rotating the secret must not make deleted
    comments unknown, and so importable again.
    """
    data = _TOMBSTONE_NAMESPACE + fingerprint.encode("ascii")
    return hashlib.sha256(data).hexdigest()
