"""A comment posted while the mail server is down: stored, answered, logged.

Through the real path: Django's SMTP backend pointed at a closed local port,
a real POST of the page's form and of the v2 and v3 APIs, and a real commit
(on-commit callbacks run as in production). Before Django 6.1, a failing
``functools.partial`` callback made ``on_commit(robust=True)`` crash while
logging, which answered the reader with a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
import time
from unittest import mock

import django
import pytest
from dvt_testing import make_article
from dvt_testing import post_comment_form as post_form
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.models import Comment, CommentStatus

pytestmark = [
    # Commit for real, so that on_commit callbacks run; restore the
    # migrations' Site and pages afterwards for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def closed_port():
    """A local TCP port nothing listens on: bound, read, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server_down(settings, closed_port):
    """The site sends mail with Django's real SMTP backend, to a closed port."""
    if django.VERSION >= (6, 1):
        settings.MAILERS = {
            "default": {
                "BACKEND": SMTP_BACKEND,
                "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 5},
            }
        }
    else:
        settings.EMAIL_BACKEND = SMTP_BACKEND
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = closed_port
        settings.EMAIL_TIMEOUT = 5
    # API posts fetch their token first, as a front-end does, and may post it
    # at once.
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "FORM_TOKEN_MIN_AGE": 0}


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser(
        "moderator", "moderator@example.com", "x"
    )


@pytest.fixture
def article(root_page):
    return make_article(root_page)


def fetch_token(client, version, article):
    response = client.get(f"/api/{version}/comments/token/?article={article.pk}")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def assert_failure_logged(caplog):
    errors = [
        record
        for record in caplog.records
        if record.name.startswith("wagtail_dvt") and record.levelno >= logging.ERROR
    ]
    assert errors, "the mail failure was not logged by wagtail_dvt"
    assert any(
        isinstance(record.exc_info and record.exc_info[1], OSError) for record in errors
    ), [record.getMessage() for record in errors]


def test_the_page_form_redirects_stores_and_logs(
    client, article, moderator, mail_server_down, caplog
):
    page_html = client.get(article.url).content.decode()
    assert 'name="token"' in page_html  # the form is shown
    # A token made 5 s ago, as if the reader took 5 s to write.
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 5):
        token = make_form_token(article)

    with caplog.at_level(logging.ERROR):
        response = post_form(
            client, article, "Posted while the mail server is down.", token=token
        )

    assert response.status_code == 303
    assert "comment_status=pending" in response["Location"]
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    # Not announced: it waits for the next batch.
    assert comment.announced_at is None
    assert_failure_logged(caplog)


@pytest.mark.parametrize(
    "version",
    [
        "v2",
        pytest.param(
            "v3",
            marks=pytest.mark.skipif(
                WAGTAIL_VERSION < (8, 0), reason="API v3 needs Wagtail 8"
            ),
        ),
    ],
)
def test_the_api_answers_202_stores_and_logs(
    client, article, moderator, mail_server_down, caplog, version
):
    with caplog.at_level(logging.ERROR):
        response = client.post(
            f"/api/{version}/comments/",
            json.dumps(
                {
                    "article": article.pk,
                    "author_name": "Vic",
                    "body": f"Via {version}.",
                    "token": fetch_token(client, version, article),
                }
            ),
            content_type="application/json",
        )

    assert response.status_code == 202, response.content
    assert Comment.objects.get().body == f"Via {version}."
    assert_failure_logged(caplog)


# -- A mail server that accepts and never answers ---------------------------------


@pytest.fixture
def hanging_mail_server(settings):
    """A real SMTP port that accepts one connection and never says a word.

    Records whether the client gave up first (it closed the connection) or
    the server had to: the server waits up to 30 s, so that a client with no
    timeout fails this test instead of hanging it.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen = {"done": threading.Event()}

    def serve():
        connection, _address = listener.accept()
        connection.settimeout(30)
        try:
            seen["client_gave_up"] = connection.recv(1024) == b""
        except TimeoutError:
            seen["client_gave_up"] = False
        finally:
            connection.close()
            seen["done"].set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # The site sets no timeout of its own: Django's default waits forever.
    if django.VERSION >= (6, 1):
        settings.MAILERS = {
            "default": {
                "BACKEND": SMTP_BACKEND,
                "OPTIONS": {"host": "127.0.0.1", "port": port},
            }
        }
    else:
        settings.EMAIL_BACKEND = SMTP_BACKEND
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_TIMEOUT = None
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "FORM_TOKEN_MIN_AGE": 0}
    yield seen
    thread.join(timeout=35)
    listener.close()


def test_a_hanging_mail_server_gives_up_and_the_batch_goes_later(
    client, article, moderator, hanging_mail_server, caplog, settings
):
    from django.core import mail

    from wagtail_dvt.comments.notifications import send_due_notifications

    with caplog.at_level(logging.ERROR):
        response = post_form(client, article, "Posted while the mail server hangs.")

    assert response.status_code == 303
    # wagtail-dvt's MAIL_TIMEOUT (2 s by default) ended the wait, not the server.
    assert hanging_mail_server["done"].wait(timeout=35)
    assert hanging_mail_server["client_gave_up"]
    assert_failure_logged(caplog)
    comment = Comment.objects.get()
    assert comment.announced_at is None  # not sent, so not announced

    # Once the interval has passed and the server works, the batch goes.
    if django.VERSION >= (6, 1):
        settings.MAILERS = {
            "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        }
    else:
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = comment.posted_at + dt.timedelta(hours=1)
    assert send_due_notifications(now=later).comments == 1
    assert "Posted while the mail server hangs." in mail.outbox[0].body
    comment.refresh_from_db()
    assert comment.announced_at == later


@pytest.fixture
def broken_notification_template(settings, tmp_path):
    """A site's override of the moderators' email that fails to render."""
    folder = tmp_path / "wagtail_dvt" / "notifications"
    folder.mkdir(parents=True)
    (folder / "comments_pending_subject.txt").write_text("{% if %}", "utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
        *settings.TEMPLATES[1:],
    ]
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "FORM_TOKEN_MIN_AGE": 0}


def test_any_failure_after_the_commit_is_logged_not_answered_500(
    client, article, moderator, broken_notification_template, caplog
):
    """Not only mail errors: whatever the batch raises after the commit.

    The batch catches mail errors itself; this failure escapes it, and runs
    after the commit as a task (immediate here, as on a site that names
    ``ImmediateBackend``): it is logged with its traceback, by the plugin or
    by the Tasks framework, and the reader still gets the 202.
    """
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/api/v2/comments/",
            json.dumps(
                {
                    "article": article.pk,
                    "author_name": "Vic",
                    "body": "Posted while the email cannot be written.",
                    "token": fetch_token(client, "v2", article),
                }
            ),
            content_type="application/json",
        )

    assert response.status_code == 202, response.content
    assert Comment.objects.get().status == CommentStatus.PENDING
    assert any(
        record.name.startswith(("wagtail_dvt", "django_tasks")) and record.exc_info
        for record in caplog.records
    ), [record.getMessage() for record in caplog.records]
