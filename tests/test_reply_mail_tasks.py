"""Reply notifications leave the reader's request: a hanging mail server slows
no post.

A fresh site with no ``TASKS`` setting, a real POST of the page's form, a
real commit and a real SMTP socket that never answers (see test_tasks.py).
"""

from __future__ import annotations

from datetime import timedelta

import django
import pytest
import test_tasks
from django.core import mail
from dvt_testing import make_article

from wagtail_dvt import background
from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.comments.reply_notifications import send_due_reply_notifications
from wagtail_dvt.models import Comment, CommentStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# test_tasks.py's fixtures: no TASKS setting, a mail server that never
# answers, and what happened before each response was done.
fresh_site = test_tasks.fresh_site
hanging_server = test_tasks.hanging_server
when_response_done = test_tasks.when_response_done


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
    parent = Comment.objects.create(
        page=article,
        author_name="Ann",
        body="Tell me about replies.",
        email="ann@example.com",
        notify_replies=True,
        status=CommentStatus.APPROVED,
    )
    during = when_response_done(lambda: hanging_server.connections)

    response = client.post(
        article.url + "comment/",
        {
            "author_name": "Ben",
            "email": "",
            "body": "An answer while the mail server hangs.",
            "honeypot": "",
            "token": make_form_token(article),
            "parent": parent.pk,
        },
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
