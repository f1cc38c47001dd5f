"""Slow work leaves the reader's request as tasks: moderators' mail and purges.

Two setups, through real requests, real commits and real SMTP sockets:

- a fresh site with no ``TASKS`` setting, whose default backend would run a
  task inside the request: the plugin runs it in its background thread once
  the response is done;
- PostgreSQL with django-tasks-db's ``db_worker`` in its own process, as in
  production: posts enqueue, the worker sends, retries with bounded backoff,
  and survives being killed mid-batch.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import purge_recorder
import pytest
from django.core.signals import request_finished
from django.db import connection
from django.utils import timezone
from dvt_testing import make_article
from dvt_testing import post_comment_form as post_form
from smtp_servers import HangingServer, RecordingServer, free_port, mail_settings

from wagtail_dvt import background
from wagtail_dvt.comments.notifications import (
    batch_due_at,
    message_id,
    notify_interval,
)
from wagtail_dvt.models import Comment, MailBatch, MailDelivery

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

POSTING = {"FLOOD_INTERVAL": 0, "FORM_TOKEN_MIN_AGE": 0}


@pytest.fixture
def article(root_page):
    return make_article(root_page)


@pytest.fixture
def moderators(django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    django_user_model.objects.create_superuser("mod", "mod@example.com", "x")
    return ["mod@example.com", "root@example.com"]


def post_api(client, article, body):
    token = client.get(f"/api/v2/comments/token/?article={article.pk}").json()["token"]
    return client.post(
        "/api/v2/comments/",
        json.dumps(
            {"article": article.pk, "author_name": "Vic", "body": body, "token": token}
        ),
        content_type="application/json",
    )


def header(message, name):
    """A header's value, unfolded."""
    return "".join(message[name].split())


def assert_each_moderator_mailed_once(server, moderators, text):
    """One message per moderator about the one comment, with its stable id."""
    comment = Comment.objects.get()
    assert comment.announced_at is not None
    assert sorted(message["To"] for message in server.messages) == moderators
    for message in server.messages:
        assert text in message.get_payload()
        assert header(message, "Message-ID") == message_id([comment.pk], message["To"])


# -- A fresh site: no TASKS setting --------------------------------------------


@pytest.fixture
def fresh_site(settings):
    """No ``TASKS``: the backport's default ImmediateBackend."""
    del settings.TASKS
    yield
    assert background.wait_until_idle(30), "the background thread never finished"


@pytest.fixture
def when_response_done():
    """Calls ``snapshot()`` once each response is done, before the plugin
    hands the request's tasks to its thread (which ``request_finished``
    does): what it returns is what happened during the request."""
    taken = []

    def take(snapshot):
        def receiver(**kwargs):
            taken.append(snapshot())

        # Ours first, then the plugin's again, so that ours runs before it.
        request_finished.disconnect(dispatch_uid="wagtail_dvt_bg_end")
        request_finished.connect(receiver, weak=False, dispatch_uid="test_snapshot")
        background.connect()
        return taken

    yield take
    request_finished.disconnect(dispatch_uid="test_snapshot")


@pytest.fixture
def hanging_server(settings):
    server = HangingServer()
    # The site sets no timeout of its own: Django's default waits forever.
    for name, value in mail_settings(server.port).items():
        setattr(settings, name, value)
    yield server
    server.close()


@pytest.mark.parametrize("post", [post_form, post_api])
def test_a_hanging_mail_server_is_never_contacted_by_the_request(
    client,
    article,
    moderators,
    fresh_site,
    hanging_server,
    when_response_done,
    settings,
    post,
):
    settings.WAGTAIL_DVT = POSTING
    during = when_response_done(lambda: hanging_server.connections)

    response = post(client, article, "Posted while the mail server hangs.")

    assert response.status_code in (202, 303), response.content
    # The API's token request, then the post: neither connected.
    assert during and not any(during), "the request connected to the mail server"
    # The mail goes to the server at once, without cron, from the thread...
    assert hanging_server.connected.wait(15)
    # ...which gives up after MAIL_TIMEOUT and lets the batch go again soon.
    assert background.wait_until_idle(30)
    comment = Comment.objects.get()
    assert comment.announced_at is None
    # Due again after the first of MAIL_RETRY_DELAYS, not a whole interval.
    assert batch_due_at() - comment.posted_at < notify_interval()


def test_mail_reaches_a_working_server_within_seconds(
    client, article, moderators, fresh_site, settings
):
    server = RecordingServer()
    try:
        for name, value in mail_settings(server.port).items():
            setattr(settings, name, value)
        settings.WAGTAIL_DVT = POSTING
        assert post_form(client, article, "Hello moderators.").status_code == 303
        assert background.wait_until_idle(30)
    finally:
        server.close()
    assert_each_moderator_mailed_once(server, moderators, "Hello moderators.")


def test_purges_and_comments_changed_run_after_the_response(
    client, article, fresh_site, when_response_done, settings
):
    from wagtail_dvt.signals import comments_changed

    settings.WAGTAILFRONTENDCACHE = {
        "recorder": {"BACKEND": "purge_recorder.RecordingBackend"}
    }
    settings.WAGTAIL_DVT = {**POSTING, "AUTO_APPROVE": True, "NOTIFY_MODERATORS": False}
    purge_recorder.PURGED.clear()
    signalled = []

    def record(sender, article, **kwargs):
        signalled.append(article.pk)

    comments_changed.connect(record)
    during = when_response_done(lambda: (len(purge_recorder.PURGED), len(signalled)))
    try:
        assert post_form(client, article, "Published at once.").status_code == 303
        assert background.wait_until_idle(30)
    finally:
        comments_changed.disconnect(record)
    assert during == [(0, 0)]
    assert article.get_full_url() in purge_recorder.PURGED
    assert signalled == [article.pk]
    purge_recorder.PURGED.clear()


def test_tasks_waiting_for_the_thread_are_coalesced(article, fresh_site):
    from wagtail_dvt.tasks import purge_article_cache

    # One request's worth of held tasks, handed over at its end.
    background._request_started()
    for _ in range(20):
        background.dispatch(purge_article_cache, article.pk)
    held = list(background._request.held)
    background._request_finished()
    assert len(held) == 20
    assert background.wait_until_idle(30)
    assert len(background._waiting) == 0


def test_outside_a_request_the_default_backend_runs_the_task_at_once(
    article, moderators, fresh_site, mailoutbox, settings
):
    from wagtail_dvt.comments.admission import submit_comment

    settings.WAGTAIL_DVT = POSTING
    submit_comment(article, author_name="Shell", body="From a script.")
    assert [message.to for message in mailoutbox] == [[m] for m in moderators]


# -- PostgreSQL and a real worker --------------------------------------------

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgis")),
    reason="the worker shares the test database: PostgreSQL (DATABASE_URL) only",
)
ROOT = Path(__file__).resolve().parent.parent
SEND_TASK = "wagtail_dvt.tasks.send_moderator_notifications"
DB_WORKER = ["db_worker", "--interval", "0.05", "--no-startup-delay"]


def wait_for(condition, timeout=20, what="the worker"):
    """Poll ``condition`` until it holds: another process does the work."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def worker_site(settings, tmp_path):
    """The posting side and a ``db_worker`` factory, sharing PostgreSQL and SMTP."""
    wagtail_dvt = {
        **POSTING,
        "NOTIFY_INTERVAL": 2,
        "MAIL_RETRY_DELAYS": [0.2, 0.2],
        "MAIL_TIMEOUT": 30,
        # A killed worker's batch is resumed this long after its last renewal.
        "MAIL_LEASE": 3,
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WAGTAIL_DVT = wagtail_dvt
    processes = []
    logs = contextlib.ExitStack()

    def start(server, command=DB_WORKER, **extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings_worker",
            # The worker runs the site these tests run: the demo, or the
            # swapped-model site.
            "WAGTAIL_DVT_WORKER_BASE_SETTINGS": os.environ["DJANGO_SETTINGS_MODULE"],
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
            "WAGTAIL_DVT_WORKER_DB": connection.settings_dict["NAME"],
            "WAGTAIL_DVT_WORKER_SMTP_PORT": str(server.port),
            "WAGTAIL_DVT_WORKER_SETTINGS": json.dumps(wagtail_dvt),
            **extra_env,
        }
        log = logs.enter_context(open(tmp_path / f"worker{len(processes)}.log", "w"))
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "django", *command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        stop(process)
    logs.close()


def stop(process):
    """End a process the test started, and its children (RQ's work horse)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()


def task_rows():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=SEND_TASK)


@needs_postgres
def test_a_worker_sends_what_posts_enqueue(client, article, moderators, worker_site):
    server = RecordingServer()
    try:
        assert post_form(client, article, "For the worker.").status_code == 303
        # The post enqueued; nothing was sent before a worker ran.
        assert task_rows().count() == 1
        assert Comment.objects.get().announced_at is None
        worker_site(server)
        wait_for(lambda: Comment.objects.get().announced_at is not None)
    finally:
        server.close()
    assert_each_moderator_mailed_once(server, moderators, "For the worker.")


@needs_postgres
def test_a_refused_batch_is_retried_and_marked_sent_only_once_accepted(
    client, article, django_user_model, worker_site
):
    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    # Refused once; then the next message is held until the test lets it go.
    server = RecordingServer(refuse=1, hold_at=0)
    try:
        post_form(client, article, "Refused, then accepted.")
        worker_site(server)
        wait_for(server.held.is_set)
        # The retry is at the server, not yet answered: still not announced.
        assert server.attempts == 2
        assert Comment.objects.get().announced_at is None
        server.hold_at = None
        server.release.set()
        # Held, then refused; the second retry is accepted.
        wait_for(lambda: server.attempts == 3)
        wait_for(lambda: MailBatch.objects.filter(closed_at__isnull=False).exists())
        wait_for(lambda: not task_rows().exclude(status="SUCCESSFUL").exists())
    finally:
        server.close()
    # The post's attempt and two retries, each of which set a watch.
    assert task_rows().count() == 6
    assert MailBatch.objects.get().attempts == 3
    assert len(server.messages) == 1
    assert Comment.objects.get().announced_at is not None


def kill_mid_batch(client, article, worker_site, server):
    """Post, let a worker send the first moderator's message, kill it in the
    second's, and answer the held session only once the worker is dead."""
    post_form(client, article, "Before the crash.")
    worker = worker_site(server)
    wait_for(server.held.is_set)
    # The first message's delivery is committed before the second is sent.
    (delivered,) = MailDelivery.objects.all()
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    server.hold_at = None
    server.release.set()
    assert Comment.objects.get().announced_at is None
    return delivered


def assert_resumed_without_resending(server, moderators, delivered):
    """Each moderator mailed once: the one reached before the kill not again."""
    assert_each_moderator_mailed_once(server, moderators, "Before the crash.")
    comment = Comment.objects.get()
    assert delivered.message_id == message_id([comment.pk], delivered.recipient)
    assert sorted(MailDelivery.objects.values_list("recipient", flat=True)) == (
        moderators
    )
    batch = MailBatch.objects.get()
    assert batch.closed_at is not None
    assert batch.attempts == 2


@needs_postgres
def test_a_batch_survives_its_worker_being_killed(
    client, article, moderators, worker_site
):
    # The first moderator's message is accepted, the second held unanswered.
    server = RecordingServer(hold_at=1)
    try:
        delivered = kill_mid_batch(client, article, worker_site, server)
        # Nobody posts again: the watch set when the batch was taken resumes
        # it once the dead worker's lease ends, and skips whom it reached.
        worker_site(server)
        wait_for(lambda: Comment.objects.get().announced_at is not None)
    finally:
        server.close()
    assert_resumed_without_resending(server, moderators, delivered)


@needs_postgres
def test_the_command_resumes_a_killed_workers_batch(
    client, article, moderators, worker_site, settings
):
    import time_machine
    from django.core.management import call_command

    server = RecordingServer(hold_at=1)
    try:
        delivered = kill_mid_batch(client, article, worker_site, server)
        for name, value in mail_settings(server.port, 30).items():
            setattr(settings, name, value)
        # No worker: cron's command, once the lease has ended.
        # While the lease holds (the worker renewed it after this delivery),
        # nothing is sent.
        with time_machine.travel(delivered.accepted_at):
            call_command("send_comment_notifications", stdout=io.StringIO())
        assert len(server.messages) == 1
        with time_machine.travel(timezone.now() + timedelta(minutes=1)):
            call_command("send_comment_notifications", stdout=io.StringIO())
    finally:
        server.close()
    assert_resumed_without_resending(server, moderators, delivered)


@needs_postgres
def test_retries_are_bounded(client, article, django_user_model, worker_site):
    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    server = RecordingServer(refuse=100)
    try:
        post_form(client, article, "Never accepted.")
        worker_site(server)
        wait_for(lambda: server.attempts == 3)
        wait_for(lambda: MailBatch.objects.filter(closed_at__isnull=False).exists())
        wait_for(lambda: not task_rows().exclude(status="SUCCESSFUL").exists())
    finally:
        server.close()
    # The post's attempt and MAIL_RETRY_DELAYS' two retries, then no more.
    assert MailBatch.objects.get().attempts == 3
    assert server.attempts == 3
    assert Comment.objects.get().announced_at is None


# -- RQ: django-tasks-rq's worker on a real Redis -----------------------------


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of our own on a free loopback port, for one test."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: .ci/run installs it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = Redis.from_url(url)

    def answers():
        try:
            return client.ping()
        except RedisDown:
            return False

    try:
        wait_for(answers, what="redis-server")
        yield url
    finally:
        client.close()
        stop(server)


@needs_postgres
def test_an_rq_worker_sends_and_retries_what_posts_enqueue(
    client, article, moderators, worker_site, redis_url, settings
):
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    # Refused once: the retry is deferred, which RQ's scheduler runs.
    server = RecordingServer(refuse=1)
    try:
        assert post_form(client, article, "For RQ.").status_code == 303
        assert Comment.objects.get().announced_at is None
        worker_site(
            server,
            ["rqworker", "default", "--job-class", "django_tasks_rq.Job"]
            + ["--with-scheduler"],
            WAGTAIL_DVT_WORKER_REDIS_URL=redis_url,
        )
        wait_for(lambda: Comment.objects.get().announced_at is not None)
    finally:
        server.close()
    assert server.attempts == 3  # refused, then one message per moderator
    assert_each_moderator_mailed_once(server, moderators, "For RQ.")
