"""Retention: IP addresses and user agents are kept ``IP_RETENTION_DAYS``.

They serve moderation (spotting a spammer's address) and the flood rule,
both of which look at recent posts only. :func:`prune_client_data` clears
older ones in every table that holds them. :func:`prune_personal_data` adds
what else ages out (old data requests, spent comment tokens): it is what
cron (``comment_personal_data prune``) and the ``prune_personal_data`` task
run, and it is idempotent, so it may run as often as wanted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ..comments.limits import PostingClient, purge_expired_tokens
from ..comments.reports import CommentReport
from ..conf import get_setting
from ..models import Comment
from .data_requests import prune_old_requests

#: ``(model, creation time field, {field: cleared value})`` of every table
#: that keeps a client's address or user agent in a row that outlives the
#: post.
CLEARED_FIELDS = [
    (Comment, "posted_at", {"ip_address": None, "user_agent": ""}),
    # A report's client key is a keyed hash, kept so one client counts once.
    (CommentReport, "created_at", {"ip_address": None}),
]


@dataclass(frozen=True)
class PruneResult:
    """Rows whose address and user agent were cleared, and flood records
    (one address each) deleted."""

    rows_cleared: int
    clients_forgotten: int


@dataclass(frozen=True)
class PersonalDataPruned:
    """What :func:`prune_personal_data` cleared and deleted."""

    client_data: PruneResult
    requests_deleted: int
    tokens_deleted: int


def prune_personal_data(now=None) -> PersonalDataPruned:
    """Everything that retention ages out, in one call for cron and tasks.

    Client data past ``IP_RETENTION_DAYS``, data requests past
    ``PERSONAL_DATA_REQUEST_RETENTION_DAYS``, and the records of comment
    tokens past ``FORM_TOKEN_MAX_AGE`` (refused for their age alone).
    """
    return PersonalDataPruned(
        client_data=prune_client_data(now),
        requests_deleted=prune_old_requests(now),
        tokens_deleted=purge_expired_tokens(now),
    )


def prune_client_data(now=None) -> PruneResult:
    """Clear addresses and user agents older than ``IP_RETENTION_DAYS``.

    ``None`` keeps them forever. The flood rule's records are deleted once
    older than the retention, and never while they still count (younger than
    ``FLOOD_INTERVAL``), so the rule holds whatever the retention.
    """
    days = get_setting("IP_RETENTION_DAYS")
    if days is None:
        return PruneResult(0, 0)
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    cleared = 0
    for model, time_field, values in CLEARED_FIELDS:
        still_held = Q()
        for name, empty in values.items():
            if empty is None:
                still_held |= Q(**{f"{name}__isnull": False})
            else:
                still_held |= ~Q(**{name: empty})
        cleared += (
            model.objects.filter(**{f"{time_field}__lt": cutoff})
            .filter(still_held)
            .update(**values)
        )
    flood_interval = timedelta(seconds=get_setting("FLOOD_INTERVAL") or 0)
    flood_cutoff = min(cutoff, now - flood_interval)
    forgotten, _by_model = PostingClient.objects.filter(
        last_posted_at__lt=flood_cutoff
    ).delete()
    return PruneResult(rows_cleared=cleared, clients_forgotten=forgotten)
