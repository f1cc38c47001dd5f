"""Retention: IP addresses and user agents go after ``IP_RETENTION_DAYS``,
in every table that holds them, and the posting limits still hold.

Run on PostgreSQL too (DATABASE_URL): the clearing is one UPDATE per table.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from dvt_testing import make_article

from wagtail_dvt.comments.admission import (
    CommentFlood,
    DuplicateComment,
    submit_comment,
)
from wagtail_dvt.comments.limits import PostingClient
from wagtail_dvt.conf import get_setting
from wagtail_dvt.models import Comment, CommentStatus
from wagtail_dvt.privacy import (
    PersonalDataPruned,
    PruneResult,
    prune_client_data,
)
from wagtail_dvt.privacy import prune_personal_data as prune_all
from wagtail_dvt.privacy.data_requests import PersonalDataRequest
from wagtail_dvt.tasks import prune_personal_data

NOW = timezone.now()


@pytest.fixture
def article(root_page, settings):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False}
    return make_article(root_page)


def posted(article, days_ago, ip="192.0.2.1", agent="Browser/1"):
    return Comment.objects.create(
        page=article,
        author_name=f"Reader {days_ago}",
        body=f"Posted {days_ago} days ago.",
        posted_at=NOW - dt.timedelta(days=days_ago),
        ip_address=ip,
        user_agent=agent,
    )


def client_row(address, days_ago):
    return PostingClient.objects.create(
        address=address, last_posted_at=NOW - dt.timedelta(days=days_ago)
    )


def held(comment):
    comment.refresh_from_db()
    return comment.ip_address, comment.user_agent


def test_prune_clears_addresses_older_than_the_retention(article):
    old, recent = posted(article, 31), posted(article, 29)
    client_row("192.0.2.1", 31)
    client_row("192.0.2.2", 29)

    result = prune_client_data(now=NOW)

    assert (result.rows_cleared, result.clients_forgotten) == (1, 1)
    assert held(old) == (None, "")
    assert held(recent) == ("192.0.2.1", "Browser/1")
    assert list(PostingClient.objects.values_list("address", flat=True)) == [
        "192.0.2.2"
    ]
    old.refresh_from_db()
    assert (old.author_name, old.body) == ("Reader 31", "Posted 31 days ago.")


def test_prune_is_safe_to_run_again(article):
    posted(article, 40)
    prune_client_data(now=NOW)

    again = prune_client_data(now=NOW)

    assert (again.rows_cleared, again.clients_forgotten) == (0, 0)


def test_a_user_agent_alone_is_cleared_too(article):
    agent_only = posted(article, 40, ip=None)

    assert prune_client_data(now=NOW).rows_cleared == 1
    assert held(agent_only) == (None, "")


def test_the_retention_is_a_setting_and_none_keeps_everything(article, settings):
    comment = posted(article, 10)
    client_row("192.0.2.9", 400)
    settings.WAGTAIL_DVT = {"IP_RETENTION_DAYS": None}
    assert prune_client_data(now=NOW) == PruneResult(0, 0)
    assert held(comment) == ("192.0.2.1", "Browser/1")
    assert PostingClient.objects.filter(address="192.0.2.9").exists()

    settings.WAGTAIL_DVT = {"IP_RETENTION_DAYS": 7}
    assert prune_client_data(now=NOW).rows_cleared == 1
    assert held(comment) == (None, "")


def test_the_flood_rule_and_duplicate_check_hold_after_pruning(article, settings):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "IP_RETENTION_DAYS": 0}
    first = submit_comment(
        article, author_name="Ann", body="Hello.", ip_address="198.51.100.4"
    )

    result = prune_client_data()

    assert result.rows_cleared == 1
    assert held(first) == (None, "")
    # The flood record is younger than FLOOD_INTERVAL: it stays, and counts.
    with pytest.raises(CommentFlood):
        submit_comment(
            article, author_name="Ann", body="Again.", ip_address="198.51.100.4"
        )
    Comment.objects.filter(pk=first.pk).update(status=CommentStatus.APPROVED)
    with pytest.raises(DuplicateComment):
        submit_comment(
            article, author_name="Ann", body="Hello.", ip_address="198.51.100.5"
        )
    assert Comment.objects.count() == 1


def test_the_command_prunes(article):
    posted(article, 31)
    out = io.StringIO()

    call_command("comment_personal_data", "prune", stdout=out)

    assert "1 row(s)" in out.getvalue()
    assert not Comment.objects.exclude(ip_address=None).exists()


def test_the_task_prunes(article):
    comment = posted(article, 31)

    prune_personal_data.enqueue()

    assert held(comment) == (None, "")


def test_prune_forgets_expired_tokens_and_a_replay_is_still_refused(
    client, article, clock, settings
):
    """A spent token's record guards replays until the token expires; then
    its age refuses it, and the record can go."""
    from wagtail_dvt.comments.forms import make_form_token
    from wagtail_dvt.comments.limits import SpentCommentToken

    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FLOOD_INTERVAL": 0}
    max_age = get_setting("FORM_TOKEN_MAX_AGE")

    def post(token, body):
        client.post(
            article.url + "comment/",
            {"author_name": "Ann", "body": body, "honeypot": "", "token": token},
        )
        return Comment.objects.filter(body=body).exists()

    spent = make_form_token(article)
    clock.shift(5)
    assert post(spent, "First.")
    assert not post(spent, "A replay.")
    clock.shift(max_age)
    recent = make_form_token(article)
    clock.shift(5)
    assert post(recent, "Second.")
    out = io.StringIO()

    call_command("comment_personal_data", "prune", stdout=out)

    assert "1 expired token record(s)" in out.getvalue()
    assert SpentCommentToken.objects.count() == 1  # The recent one's.
    assert not post(spent, "A replay once its record is gone.")
    assert not post(recent, "A replay of the recent one.")


def test_the_task_forgets_expired_tokens(article, clock, settings):
    from wagtail_dvt.comments.limits import SpentCommentToken, spend_token

    spend_token("an old token", timezone.now())
    clock.shift(get_setting("FORM_TOKEN_MAX_AGE") + 1)
    spend_token("a new token", timezone.now())

    prune_personal_data.enqueue()

    assert SpentCommentToken.objects.count() == 1


def test_prune_personal_data_counts_every_age_from_the_time_given(
    article, clock, settings
):
    """``now`` is the time all three retentions count from, not the clock's."""
    from wagtail_dvt.comments.limits import SpentCommentToken, spend_token

    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "IP_RETENTION_DAYS": 30,
        "PERSONAL_DATA_REQUEST_RETENTION_DAYS": 30,
    }
    comment = posted(article, 0)
    Comment.objects.filter(pk=comment.pk).update(posted_at=timezone.now())
    PostingClient.objects.create(address="192.0.2.1", last_posted_at=timezone.now())
    PersonalDataRequest.objects.create(email="ann@example.com", kind="erase")
    spend_token("a token", timezone.now())
    later = timezone.now() + dt.timedelta(days=31)

    pruned = prune_all(now=later)

    assert pruned == PersonalDataPruned(
        client_data=PruneResult(rows_cleared=1, clients_forgotten=1),
        requests_deleted=1,
        tokens_deleted=1,
    )
    assert held(comment) == (None, "")
    assert not PersonalDataRequest.objects.exists()
    assert not SpentCommentToken.objects.exists()


def test_without_the_flood_rule_its_records_go_at_the_retention_alone(
    article, clock, settings
):
    """With ``FLOOD_INTERVAL`` off no record still counts, so none outlives
    the retention, however short."""
    settings.WAGTAIL_DVT = {"IP_RETENTION_DAYS": 0, "FLOOD_INTERVAL": 0}
    PostingClient.objects.create(
        address="192.0.2.1",
        last_posted_at=timezone.now() - dt.timedelta(milliseconds=500),
    )

    assert prune_client_data() == PruneResult(rows_cleared=0, clients_forgotten=1)
    assert not PostingClient.objects.exists()
