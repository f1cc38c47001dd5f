"""Erase one person's data, keeping the conversations they took part in.

Comments are anonymised, never deleted: a reply to an erased comment still
answers something, and the thread reads in the same order. Each erased
comment gets an audit log entry that names no erased value, and its older
entries are rewritten without them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .errors import normalize_email
from .sources import SOURCES


@dataclass(frozen=True)
class ErasureResult:
    """How many records of each source were erased, by source key."""

    email: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def erase_personal_data(email: str, *, user=None) -> ErasureResult:
    """Erase the data held for ``email`` (case-insensitive), in one transaction.

    ``user`` is who asked, for the audit log. Who may ask is the caller's
    rule: the admin view lets moderators only. Raises
    :class:`~.errors.InvalidEmail` for a value that is no address.
    """
    email = normalize_email(email)
    with transaction.atomic():
        counts = {source.key: source.erase(email, user=user) for source in SOURCES}
    return ErasureResult(email=email, counts=counts)
