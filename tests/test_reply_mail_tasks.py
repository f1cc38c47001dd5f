"""Reply notifications leave the reader's request: a hanging mail server slows
no post, and a worker killed while sending loses nothing.

A fresh site with no ``TASKS`` setting, a real POST of the page's form, a
real commit and a real SMTP socket that never answers (see test_tasks.py);
and, on PostgreSQL, real ``db_worker`` processes, one of them killed.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import django
import pytest
import test_tasks
from django.core import mail
from dvt_testing import make_article
from smtp_servers import RecordingServer

from wagtail_dvt import background
from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.comments.reply_notifications import send_due_reply_notifications
from wagtail_dvt.models import Comment, CommentStatus, MailBatch

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# test_tasks.py's fixtures: no TASKS setting, a mail server that never
# answers, and what happened before each response was done.
fresh_site = test_tasks.fresh_site
hanging_server = test_tasks.hanging_server
when_response_done = test_tasks.when_response_done
worker_site = test_tasks.worker_site


def test_a_hanging_mail_server_does_not_hold_the_reply(
    client, root_page, fresh_site, hanging_server, when_response_done, settings
):
    settings.WAGTAIL_DVT = {
        "AUTO_APPROVE": True,
        "FLOOD_INTERVAL": 0,
        "FORM_TOKEN_MIN_AGE": 0,
        "NOTIFY_MODERATORS": False,
    }
    article = make_article(root_page)
    parent = opted_in_parent(article)
    during = when_response_done(lambda: hanging_server.connections)

    response = post_reply(
        client, article, parent, "An answer while the mail server hangs."
    )

    assert response.status_code == 303, response.content
    assert during == [0], "the request connected to the mail server"
    # The thread tried to send the reply notification, and gave up.
    assert hanging_server.connected.wait(15)
    assert background.wait_until_idle(30)
    reply = Comment.objects.get(parent=parent)
    assert reply.status == CommentStatus.APPROVED
    assert reply.reply_notified_at is None  # not sent: it waits for the next try

    # Once the server works, it goes at the first retry, before a whole
    # NOTIFY_INTERVAL has passed.
    for name, value in locmem_settings().items():
        setattr(settings, name, value)
    retry_at = reply.posted_at + timedelta(minutes=2)
    assert send_due_reply_notifications(now=retry_at).emails == 1
    assert mail.outbox[0].to == ["ann@example.com"]
    assert "An answer while the mail server hangs." in mail.outbox[0].body


def locmem_settings():
    backend = "django.core.mail.backends.locmem.EmailBackend"
    if django.VERSION >= (6, 1):
        return {"MAILERS": {"default": {"BACKEND": backend}}}
    return {"EMAIL_BACKEND": backend}


def opted_in_parent(article):
    return Comment.objects.create(
        page=article,
        author_name="Ann",
        body="Tell me about replies.",
        email="ann@example.com",
        notify_replies=True,
        status=CommentStatus.APPROVED,
    )


def post_reply(client, article, parent, body):
    """Post a reply with the article page's form, as a reader's browser does."""
    return client.post(
        article.url + "comment/",
        {
            "author_name": "Ben",
            "email": "",
            "body": body,
            "honeypot": "",
            "token": make_form_token(article),
            "parent": parent.pk,
        },
    )


@test_tasks.needs_postgres
def test_a_killed_workers_reply_batch_is_resumed_by_its_watch(
    client, root_page, worker_site, settings
):
    # The worker reads the same dict: replies are visible as they are posted.
    settings.WAGTAIL_DVT.update(AUTO_APPROVE=True, NOTIFY_MODERATORS=False)
    article = make_article(root_page)
    parent = opted_in_parent(article)
    # The reply's message is held unanswered while the worker is killed.
    server = RecordingServer(hold_at=0)
    try:
        assert (
            post_reply(client, article, parent, "Before the crash.").status_code == 303
        )
        worker = worker_site(server)
        test_tasks.wait_for(server.held.is_set)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        server.hold_at = None
        server.release.set()
        reply = Comment.objects.get(parent=parent)
        assert reply.reply_notified_at is None
        # Nobody replies again: the watch set when the batch was taken
        # resumes it once the dead worker's lease ends.
        worker_site(server)
        test_tasks.wait_for(
            lambda: Comment.objects.filter(
                pk=reply.pk, reply_notified_at__isnull=False
            ).exists()
        )
    finally:
        server.close()
    [message] = server.messages
    assert message["To"] == "ann@example.com"
    assert "Before the crash." in message.get_payload()
    batch = MailBatch.objects.get()
    assert batch.closed_at is not None
    assert batch.attempts == 2
