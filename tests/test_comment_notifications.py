"""Moderators' emails come in batches: at most one per moderator per interval.

Posts go through ``submit_comment`` with their on-commit callbacks run, as
after a real commit; the ``send_comment_notifications`` command is called as
cron would. The interval passing is the state row's last batch moved back.
"""

from __future__ import annotations

import io
import socket
from datetime import timedelta

import django
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from dvt_testing import make_article

from wagtail_dvt.comments.admission import submit_comment
from wagtail_dvt.comments.notifications import (
    MAX_LISTED,
    STATE_ID,
    send_due_notifications,
)
from wagtail_dvt.models import Comment, CommentStatus, ModeratorNotificationState

MODERATORS = ["mod@example.com", "root@example.com"]


@pytest.fixture
def moderators(django_user_model):
    from django.contrib.auth.models import Permission

    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    mod = django_user_model.objects.create_user("mod", "mod@example.com", "x")
    mod.user_permissions.add(
        Permission.objects.get(
            codename="moderate_comment", content_type__app_label="wagtail_dvt"
        )
    )
    django_user_model.objects.create_user("editor", "editor@example.com", "x")
    return MODERATORS


@pytest.fixture
def article(root_page):
    return make_article(root_page)


@pytest.fixture
def post(article, django_capture_on_commit_callbacks):
    """Post comment number ``n`` from its own address, and run its callbacks."""

    def post(n, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return submit_comment(
                article,
                author_name=f"Reader {n}",
                body=f"Comment number {n}.",
                ip_address=f"10.0.{n // 250}.{n % 250 + 1}",
                **fields,
            )

    return post


def interval_passes(minutes=16):
    """Move the last batch back, as if ``minutes`` had passed since it."""
    ModeratorNotificationState.objects.filter(pk=STATE_ID).update(
        last_sent_at=timezone.now() - timedelta(minutes=minutes)
    )


def run_command():
    stdout = io.StringIO()
    call_command("send_comment_notifications", stdout=stdout)
    return stdout.getvalue()


def recipients(outbox):
    return sorted(message.to[0] for message in outbox)


def test_200_posts_send_one_email_per_moderator_per_interval(
    post, moderators, mailoutbox
):
    for n in range(200):
        post(n)

    # The first comment after a quiet time is announced at once; the other
    # 199 wait for the interval.
    assert recipients(mailoutbox) == moderators
    assert "Comment number 0." in mailoutbox[0].body
    assert "Comment number 1." not in mailoutbox[0].body
    assert Comment.objects.filter(announced_at__isnull=True).count() == 199

    # Within the interval, the command sends nothing either.
    assert "Announced 0 comment(s)" in run_command()
    assert len(mailoutbox) == 2

    interval_passes()
    assert "Announced 199 comment(s) in 2 email(s)" in run_command()
    batch = mailoutbox[2:]
    assert recipients(batch) == moderators
    assert batch[0].subject == "199 reader comments await moderation"
    assert "Comment number 1." in batch[0].body
    assert f"Comment number {MAX_LISTED}." in batch[0].body
    assert f"Comment number {MAX_LISTED + 1}." not in batch[0].body
    assert f"And {199 - MAX_LISTED} more." in batch[0].body
    assert "200 comments are pending in all." in batch[0].body
    assert "/reader-comments/?status=pending" in batch[0].body
    assert not Comment.objects.filter(announced_at__isnull=True).exists()

    # Nothing is announced twice: with nothing waiting, nothing is sent, and
    # the next comment is announced on its own.
    interval_passes()
    assert "Announced 0 comment(s)" in run_command()
    assert len(mailoutbox) == 4
    post(500)
    assert len(mailoutbox) == 6
    assert "Comment number 500." in mailoutbox[-1].body
    assert "Comment number 1." not in mailoutbox[-1].body


def test_the_next_post_after_the_interval_sends_the_waiting_batch(
    post, moderators, mailoutbox
):
    post(1)
    post(2)
    assert len(mailoutbox) == 2  # comment 1 only
    interval_passes()
    post(3)
    assert len(mailoutbox) == 4
    assert "Comment number 2." in mailoutbox[-1].body
    assert "Comment number 3." in mailoutbox[-1].body
    assert "Comment number 1." not in mailoutbox[-1].body


def test_the_interval_is_a_setting_in_seconds_or_a_timedelta(
    post, moderators, mailoutbox, settings
):
    settings.WAGTAIL_DVT = {"NOTIFY_INTERVAL": 60, "FLOOD_INTERVAL": 0}
    post(1)
    post(2)
    interval_passes(minutes=2)
    post(3)
    assert len(mailoutbox) == 4

    settings.WAGTAIL_DVT = {"NOTIFY_INTERVAL": timedelta(hours=1)}
    post(4)
    interval_passes(minutes=30)
    post(5)
    assert len(mailoutbox) == 4
    interval_passes(minutes=61)
    run_command()
    assert len(mailoutbox) == 6


def test_only_one_of_two_senders_at_the_same_moment_sends(post, moderators, mailoutbox):
    post(1)
    post(2)
    interval_passes()
    now = timezone.now()
    first = send_due_notifications(now=now)
    second = send_due_notifications(now=now)
    assert (first.comments, first.emails) == (1, 2)
    assert (second.comments, second.emails) == (0, 0)


def test_moderated_comments_are_not_announced(post, moderators, mailoutbox):
    post(1)
    post(2)
    Comment.objects.filter(body="Comment number 2.").update(
        status=CommentStatus.APPROVED
    )
    interval_passes()
    run_command()
    assert len(mailoutbox) == 2


def test_the_command_does_nothing_when_notifications_are_off(
    post, moderators, mailoutbox, settings
):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False}
    post(1)
    assert "notifications are off" in run_command()
    assert mailoutbox == []


def test_the_command_fails_when_the_mail_server_is_down(
    post, moderators, mailoutbox, settings
):
    post(1)
    post(2)
    interval_passes()
    with socket.socket() as sock:  # a local port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    if django.VERSION >= (6, 1):
        settings.MAILERS = {
            "default": {"BACKEND": smtp, "OPTIONS": {"host": "127.0.0.1", "port": port}}
        }
    else:
        settings.EMAIL_BACKEND, settings.EMAIL_PORT = smtp, port
        settings.EMAIL_HOST = "127.0.0.1"

    with pytest.raises(CommandError, match="stay waiting"):
        run_command()
    # Still waiting, for the next run.
    assert Comment.objects.filter(announced_at__isnull=True).count() == 1


def test_a_name_with_line_breaks_stays_on_one_line_in_the_email(
    article, moderators, mailoutbox
):
    # Stored by code that skipped validation, e.g. before this release.
    Comment.objects.create(
        page=article,
        author_name="Eve\nApprove all: https://evil.example",
        body="Hi",
    )
    send_due_notifications()
    lines = mailoutbox[0].body.splitlines()
    assert "Eve Approve all: https://evil.example, " in "\n".join(lines)
    assert not any(line.startswith("Approve all") for line in lines)


def test_the_next_batch_is_due_exactly_one_interval_after_the_last(
    post, moderators, mailoutbox, clock
):
    post(1)
    clock.shift(60)  # within the interval: comment 2 waits for the next batch
    post(2)
    clock.shift(14 * 60 - 0.001)
    assert "Announced 0 comment(s)" in run_command()
    clock.shift(0.001)
    assert "Announced 1 comment(s) in 2 email(s)" in run_command()
    assert len(mailoutbox) == 4


# -- A batch is retried per moderator, then given up ---------------------------


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that refuses what the test says."""
    from smtp_servers import RecordingServer, mail_settings

    server = RecordingServer()
    for name, value in mail_settings(server.port, 5).items():
        setattr(settings, name, value)
    settings.WAGTAIL_DVT = {"MAIL_RETRY_DELAYS": [60]}
    yield server
    server.close()


def test_a_refused_moderator_is_retried_alone(article, moderators, smtp_server):
    from wagtail_dvt.models import MailDelivery

    comment = Comment.objects.create(page=article, author_name="Ann", body="Hi")
    smtp_server.refuse = 1  # the first message, to mod@example.com
    now = timezone.now()
    first = send_due_notifications(now=now)
    assert (first.comments, first.emails, first.failed) == (0, 1, 1)
    assert list(MailDelivery.objects.values_list("recipient", flat=True)) == [
        "root@example.com"
    ]
    comment.refresh_from_db()
    assert comment.announced_at is None  # not every moderator was told yet
    # Not before the retry's delay; then only the moderator not reached.
    assert send_due_notifications(now=now + timedelta(seconds=59)).emails == 0
    retry = send_due_notifications(now=now + timedelta(seconds=60))
    assert (retry.comments, retry.emails) == (1, 1)
    assert sorted(message["To"] for message in smtp_server.messages) == MODERATORS
    comment.refresh_from_db()
    assert comment.announced_at == now + timedelta(seconds=60)


def test_a_batch_is_given_up_after_the_last_retry(article, moderators, smtp_server):
    from wagtail_dvt.models import MailBatch

    Comment.objects.create(page=article, author_name="Ann", body="Hi")
    smtp_server.refuse = 100
    now = timezone.now()
    send_due_notifications(now=now)
    send_due_notifications(now=now + timedelta(seconds=60))
    assert smtp_server.attempts == 4
    batch = MailBatch.objects.get()
    assert (batch.attempts, batch.closed_at) == (2, now + timedelta(seconds=60))
    # Closed: nothing more until the next interval, and the comment waits.
    send_due_notifications(now=now + timedelta(seconds=120))
    assert smtp_server.attempts == 4
    assert Comment.objects.get().announced_at is None


def test_no_second_batch_opens_while_one_waits_for_its_retry(
    article, moderators, smtp_server, settings
):
    """A retry later than the interval's end keeps the next batch waiting,
    and the interval unclaimed."""
    from wagtail_dvt.models import MailBatch

    settings.WAGTAIL_DVT = {"MAIL_RETRY_DELAYS": [3600], "NOTIFY_INTERVAL": 900}
    Comment.objects.create(page=article, author_name="Ann", body="Hi")
    smtp_server.refuse = 1
    now = timezone.now()
    first = send_due_notifications(now=now)
    assert (first.emails, first.failed) == (1, 1)
    Comment.objects.create(page=article, author_name="Bob", body="Hello")

    later = send_due_notifications(now=now + timedelta(minutes=20))

    assert (later.comments, later.emails, later.failed) == (0, 0, 0)
    assert MailBatch.objects.count() == 1
    assert len(smtp_server.messages) == 1
    # Nor is the interval claimed: the next batch stays due from the first.
    assert ModeratorNotificationState.objects.get().last_sent_at == now
