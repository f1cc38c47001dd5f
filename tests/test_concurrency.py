"""Concurrent writers: two ``import_article`` processes importing the same
documents at once, readers posting comments at the same moment, and two
processes claiming one moderators' batch.

Runs on PostgreSQL only (the CI's second stage): SQLite serializes writers by
locking the whole file, so it cannot show the race this guards against.
"""

import json
import os
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.test import Client
from dvt_testing import FROZEN_AT, REPO_ROOT, make_article, retitled

from wagtail_dvt.models import Comment, get_article_model

ArticlePage = get_article_model()

pytestmark = [
    pytest.mark.slow,
    # Commit for real, so that the other processes see the data, and restore
    # the migrations' Site and pages afterwards for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs a PostgreSQL server (DATABASE_URL); SQLite locks the file",
    ),
]

DOCUMENTS = 40


def database_url():
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def test_two_processes_create_each_page_once(tmp_path, bundled_text):
    from wagtail_dvt.models import get_base_page_model

    Page = get_base_page_model()
    for number in range(DOCUMENTS):
        text = retitled(bundled_text, f"Concurrent article {number}")
        (tmp_path / f"doc{number:03d}.txt").write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "example_site.settings.test"
        ),
    }
    command = [
        sys.executable,
        str(REPO_ROOT / "example_site" / "manage.py"),
        "import_article",
        str(tmp_path),
        "--batch-size",
        "10",
    ]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    for process, (_stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr
    reports = b"".join(stdout for stdout, _ in outputs).decode()
    assert reports.count(": created ") == DOCUMENTS
    assert reports.count(": unchanged ") == DOCUMENTS
    assert ArticlePage.objects.count() == DOCUMENTS
    assert Comment.objects.count() == DOCUMENTS * 19
    assert Page.find_problems() == ([], [], [], [], [])


# -- Readers posting at once ----------------------------------------------------

READERS = 10


def post_at_once(bodies_by_worker):
    """Each ``(client address, JSON body)`` posted to API v2 by its own thread,
    with its own database connection, all released together by a barrier.

    The status codes, in no particular order.
    """
    barrier = threading.Barrier(len(bodies_by_worker))
    statuses = []

    def worker(address, body):
        try:
            client = Client(REMOTE_ADDR=address)
            barrier.wait(timeout=30)
            response = client.post(
                "/api/v2/comments/", json.dumps(body), content_type="application/json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=pair) for pair in bodies_by_worker]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def test_one_address_posting_to_ten_articles_at_once_gets_one_post(root_page, settings):
    """The flood limit is per address, not per article: no article lock helps."""
    settings.WAGTAIL_DVT = {"API_COMMENTS": "open", "NOTIFY_MODERATORS": False}
    articles = [make_article(root_page, f"Raced {n}") for n in range(READERS)]

    statuses = post_at_once(
        [
            (
                "203.0.113.50",
                {"article": page.pk, "author_name": "Racer", "body": f"Post {n}."},
            )
            for n, page in enumerate(articles)
        ]
    )

    assert statuses == [202] + [429] * (READERS - 1)
    assert Comment.objects.filter(author_name="Racer").count() == 1


def test_one_token_posted_from_ten_addresses_at_once_serves_one_comment(
    root_page, settings
):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FORM_TOKEN_MIN_AGE": 0}
    page = make_article(root_page, "Raced token")
    token = Client().get(f"/api/v2/comments/token/?article={page.pk}").json()["token"]

    statuses = post_at_once(
        [
            (
                f"198.51.100.{n + 1}",
                {
                    "article": page.pk,
                    "author_name": "Racer",
                    "body": f"Post {n}.",
                    "token": token,
                },
            )
            for n in range(READERS)
        ]
    )

    assert statuses == [202] + [400] * (READERS - 1)
    assert Comment.objects.filter(author_name="Racer").count() == 1


def test_two_senders_claiming_one_batch_send_it_once(django_user_model, root_page):
    """Two processes both past the "is a batch due?" read, claiming at once.

    They meet at a barrier just before the claim. The conditional UPDATE lets
    one take the batch; the other, blocked on the row until the first
    commits, then finds it no longer due, and must neither send nor move the
    interval's start to its own time.
    """
    import threading
    from datetime import timedelta
    from unittest import mock

    from django.core import mail
    from dvt_testing import make_article

    from wagtail_dvt.comments import notifications
    from wagtail_dvt.models import CommentStatus, ModeratorNotificationState

    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    article = make_article(root_page)
    for number in range(2):
        Comment.objects.create(
            page=article,
            author_name=f"Reader {number}",
            body=f"Waiting comment {number}.",
            posted_at=FROZEN_AT,
            status=CommentStatus.PENDING,
        )
    ModeratorNotificationState.objects.create(
        pk=notifications.STATE_ID, last_sent_at=FROZEN_AT - timedelta(days=1)
    )
    nows = {
        "A": FROZEN_AT + timedelta(minutes=1),
        "B": FROZEN_AT + timedelta(minutes=2),
    }
    barrier = threading.Barrier(2)
    results = {}
    original = notifications._claim_batch

    def claim_together(now):
        barrier.wait()
        return original(now)

    def sender(name):
        try:
            results[name] = notifications.send_due_notifications(now=nows[name])
        finally:
            connection.close()

    mail.outbox = []
    with mock.patch.object(notifications, "_claim_batch", claim_together):
        threads = [threading.Thread(target=sender, args=(n,)) for n in nows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    (winner,) = [name for name, result in results.items() if result.emails]
    (loser,) = set(nows) - {winner}
    assert (results[winner].comments, results[winner].emails) == (2, 1)
    assert (results[loser].comments, results[loser].emails) == (0, 0)
    assert [message.to for message in mail.outbox] == [["root@example.com"]]
    state = ModeratorNotificationState.objects.get()
    assert state.last_sent_at == nows[winner]
    assert set(Comment.objects.values_list("announced_at", flat=True)) == {nows[winner]}
