"""Readers report comments; enough reports hide one until a moderator looks.

:func:`submit_report` is the one way in, for the page's "Report" form and the
APIs alike:

1. The ``reason`` must be one of :class:`ReportReason` (400 otherwise);
   that is checked first, so it tells nothing about the comment.
2. A report takes the client's flood slot, as a comment does (429 with a
   ``retry_after``): posts and reports share ``FLOOD_INTERVAL``, per client
   address, in the same :class:`~wagtail_dvt.comments.limits.PostingClient`
   record.
3. A report on a comment readers cannot see (hidden, removed, missing, on
   another article, or on a private one) is answered as an accepted report
   and stores nothing, after it took the flood slot: nothing tells the two
   apart, so reports cannot probe for hidden comments.
4. One report counts per client per comment: the signed-in user, or else the
   client address (the flood rule's). A repeat is answered as accepted too.
5. ``REPORTS_TO_HIDE`` reports from distinct clients move an approved
   comment back to pending, through the status change moderation's bulk
   actions make (cache purges, ``comments_changed``), and the moderators'
   next batch lists it as reported.

A moderator who approves a comment clears its reports
(:func:`clear_reports`); reports then no longer hide it automatically until
its text is edited (:func:`moderator_saves`).

The threshold is counted with the comment's row locked, inside the
transaction that stores the report: concurrent reports are counted one after
another, so the last one needed always sees the others.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting
from ..models import Comment, CommentStatus
from .admission import CommentFlood, CommentRefused, notify_moderators_after_commit
from .limits import claim_flood_slot

CLIENT_KEY_SALT = "wagtail_dvt.report-client"
#: The largest id SQLite and PostgreSQL store.
MAX_ID = 2**63 - 1


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Abusive or offensive")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Something else")


class CommentReport(models.Model):
    """One client's report of one comment.

    ``client_key`` says who the client was (the signed-in user, or a keyed
    hash of the address), unique per comment; erasure and account deletion
    empty it, and the report still counts.
    """

    comment = models.ForeignKey(
        "wagtail_dvt.Comment",
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("comment"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    # NULL, not "", once erased: NULLs never collide in the unique constraint.
    client_key = models.CharField(  # noqa: DJ001
        _("client"), max_length=80, null=True, blank=True, editable=False
    )
    # Private, for moderators; cleared after IP_RETENTION_DAYS.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reason = models.CharField(
        _("reason"),
        max_length=16,
        choices=ReportReason.choices,
        default=ReportReason.OTHER,
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        default_permissions = ()
        ordering = ["created_at", "pk"]
        constraints = [
            # NULLs are distinct: erased reports never collide.
            models.UniqueConstraint(
                fields=["comment", "client_key"],
                name="wagtail_dvt_one_report_per_client",
            )
        ]

    def __str__(self):
        return f"Report of comment {self.comment_id}: {self.reason}"


class InvalidReportReason(CommentRefused):
    """The ``reason`` is none of :class:`ReportReason`."""

    status_code = 400
    code = "invalid_report_reason"
    default_message = _("Choose one of the reasons offered.")


class ReportFlood(CommentFlood):
    """The client posted or reported less than ``FLOOD_INTERVAL`` ago."""

    default_message = _("You are reporting too quickly. Please wait a moment.")


def parse_reason(value) -> str:
    """``value`` as a :class:`ReportReason`; empty or missing means "other"."""
    if value is None or value == "":
        return ReportReason.OTHER
    if isinstance(value, str) and value in ReportReason.values:
        return value
    raise InvalidReportReason()


def client_key(user, ip_address) -> str:
    """Who reports: the signed-in user, or a keyed hash of the address.

    Unknown addresses share one key, as they share one flood interval. The
    hash keeps the address itself out of a column that outlives retention.
    """
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    digest = salted_hmac(
        CLIENT_KEY_SALT, ip_address or "", algorithm="sha256"
    ).hexdigest()[:40]
    return f"address:{digest}"


def submit_report(
    comments, comment_id, *, reason=None, user=None, ip_address=None
) -> None:
    """Report the comment ``comment_id``, if it is among ``comments``.

    ``comments`` are the comments the reader may see there (approved, on a
    public article of the page or the Site). Returns nothing, whether a
    report was stored or not (see the module's rules); raises
    :class:`InvalidReportReason` or :class:`ReportFlood`, storing nothing.
    """
    reason = parse_reason(reason)
    # Read the user (and so the session) on every path: a session read only
    # for a stored report would add "Vary: Cookie" to its answer alone.
    user = user if user is not None and user.is_authenticated else None
    if ip_address is not None:
        ip_address = str(ipaddress.ip_address(ip_address))
    now = timezone.now()
    with transaction.atomic():
        interval = get_setting("FLOOD_INTERVAL")
        retry_after = interval and claim_flood_slot(ip_address, now, interval)
        if retry_after:
            raise ReportFlood(retry_after)
        if not 0 < comment_id <= MAX_ID:
            return  # No database holds such an id: answered as any other.
        # The lock serializes reports of one comment: see the module's docstring.
        comment = (
            comments.filter(pk=comment_id, removed=False)
            .select_for_update()
            .only("pk", "page_id", "status", "reports_cleared_at")
            .first()
        )
        if comment is None:
            return
        try:
            with transaction.atomic():
                CommentReport.objects.create(
                    comment=comment,
                    reporter=user,
                    client_key=client_key(user, ip_address),
                    ip_address=ip_address,
                    reason=reason,
                    created_at=now,
                )
        except IntegrityError:
            return  # This client's report already counts.
        hide_if_reported(comment)


def hide_if_reported(comment) -> bool:
    """Move ``comment`` back to pending if enough clients reported it.

    Call it with the comment's row locked. Only an approved comment whose
    reports were not cleared by a moderator since its last edit is hidden.
    """
    threshold = get_setting("REPORTS_TO_HIDE")
    if not threshold or comment.reports_cleared_at is not None:
        return False
    if comment.status != CommentStatus.APPROVED:
        return False
    if CommentReport.objects.filter(comment=comment).count() < threshold:
        return False
    from ..cache import articles_changed

    hidden = Comment.objects.filter(
        pk=comment.pk, status=CommentStatus.APPROVED, reports_cleared_at=None
    ).update(status=CommentStatus.PENDING, announced_at=None)
    if not hidden:
        return False
    # update() sends no signal: purge and signal as moderation's bulk actions do.
    articles_changed([comment.page_id])
    if get_setting("NOTIFY_MODERATORS"):
        transaction.on_commit(notify_moderators_after_commit, robust=True)
    return True


def clear_reports(comment_ids, now=None, *, mark=True) -> int:
    """A moderator approved these comments: delete their reports and, with
    ``mark``, keep reports from hiding them until their text is edited. How
    many reports went."""
    comment_ids = list(comment_ids)
    if mark:
        Comment.objects.filter(pk__in=comment_ids).update(
            reports_cleared_at=now or timezone.now()
        )
    deleted, _by_model = CommentReport.objects.filter(
        comment_id__in=comment_ids
    ).delete()
    return deleted


def moderator_saves(comment, *, approved, text_edited, now=None) -> None:
    """A moderator saves ``comment`` from its edit view, before the save.

    Saved as approved, it keeps reports from hiding it, and its reports are
    deleted (after the save, in the same transaction, by the caller's
    :func:`clear_reports` ``([comment.pk])``); its text edited, reports may
    hide it again.
    """
    if approved:
        comment.reports_cleared_at = now or timezone.now()
    if text_edited:
        comment.reports_cleared_at = None


def with_report_count(queryset):
    """``queryset`` with ``report_count``: one correlated count per row, so the
    listing's query needs no GROUP BY over the comments' columns."""
    counts = (
        CommentReport.objects.filter(comment=OuterRef("pk"))
        .order_by()
        .values("comment")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return queryset.annotate(report_count=Coalesce(Subquery(counts), 0))


def reported(queryset, value=True):
    """The comments of ``queryset`` that have reports (or, ``False``, none)."""
    has_reports = Q(
        pk__in=CommentReport.objects.values("comment_id"),
    )
    return queryset.filter(has_reports) if value else queryset.exclude(has_reports)


def reasons_of(comment) -> list[tuple[str, int]]:
    """``(reason label, count)`` of the comment's reports, most frequent first."""
    labels = dict(ReportReason.choices)
    counts = (
        CommentReport.objects.filter(comment=comment)
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    return [(str(labels.get(row["reason"], row["reason"])), row["n"]) for row in counts]
