"""Readers reporting one comment at the same moment: the report that reaches
``REPORTS_TO_HIDE`` always hides it, however the requests interleave.

Runs on PostgreSQL only, as tests/test_concurrency.py does: SQLite serializes
writers by locking the whole file, so it cannot show the race.
"""

import json
import threading

import pytest
from django.db import connection
from django.test import Client
from dvt_testing import make_article
from test_concurrency import pytestmark  # noqa: F401 - PostgreSQL, committed

from wagtail_dvt.comments.reports import CommentReport
from wagtail_dvt.models import Comment, CommentStatus

READERS = 10


def report_at_once(url, addresses):
    """Each address reports ``url`` from its own thread and database
    connection, all released together by a barrier; the status codes."""
    barrier = threading.Barrier(len(addresses))
    statuses = []

    def worker(address):
        try:
            client = Client(REMOTE_ADDR=address)
            barrier.wait(timeout=30)
            response = client.post(
                url, json.dumps({"reason": "spam"}), content_type="application/json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(a,)) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.parametrize("readers", [2, READERS])
def test_the_last_report_needed_hides_the_comment(root_page, settings, readers):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "REPORTS_TO_HIDE": readers,
    }
    article = make_article(root_page, f"Raced reports {readers}")
    reported = Comment.objects.create(
        page=article, author_name="Ann", body="Raced.", status=CommentStatus.APPROVED
    )

    statuses = report_at_once(
        f"/api/v2/comments/{reported.pk}/report/",
        [f"198.51.100.{n + 1}" for n in range(readers)],
    )

    assert statuses == [202] * readers
    assert CommentReport.objects.filter(comment=reported).count() == readers
    reported.refresh_from_db()
    assert reported.status == CommentStatus.PENDING


def test_one_client_reporting_at_once_from_two_connections_counts_once(
    root_page, settings
):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FLOOD_INTERVAL": 0}
    article = make_article(root_page, "Raced client")
    reported = Comment.objects.create(
        page=article, author_name="Ann", body="Raced.", status=CommentStatus.APPROVED
    )

    statuses = report_at_once(
        f"/api/v2/comments/{reported.pk}/report/", ["198.51.100.9"] * 2
    )

    assert statuses == [202, 202]
    assert CommentReport.objects.filter(comment=reported).count() == 1
