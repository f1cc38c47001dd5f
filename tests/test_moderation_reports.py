"""Readers' reports in the moderation views, through the admin's own requests:
the "Reported" filter, the count column, the reasons in the edit view, and
approving, which clears reports until the text is edited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from dvt_testing import comment_edit_data
from test_comment_reports import comment, report_on_page
from test_moderation_admin import admin_user, bulk_url, listing, make_article

from wagtail_dvt.comments.reports import CommentReport
from wagtail_dvt.models import Comment, CommentStatus

APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING


@pytest.fixture(autouse=True)
def report_settings(settings):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "REPORTS_TO_HIDE": 2,
    }


@pytest.fixture
def article(root_page):
    return make_article(root_page, "Clots explained")


@pytest.fixture
def moderator(client, django_user_model):
    client.force_login(admin_user(django_user_model, "moderator", moderate=True))


def report(comment_, *reasons, first_ip=1):
    """Reports of ``comment_`` from distinct addresses, stored as readers'."""
    for number, reason in enumerate(reasons, start=first_ip):
        CommentReport.objects.create(
            comment=comment_,
            client_key=f"address:{number}",
            ip_address=f"192.0.2.{number}",
            reason=reason,
        )


def edit_url(comment_):
    return reverse("wagtail_dvt_comments:edit", args=[comment_.pk])


def test_the_listing_filters_reported_comments_and_counts_them(
    client, moderator, article
):
    reported = comment(article, name="Reported Ruth")
    quiet = comment(article, name="Quiet Quinn")
    report(reported, "spam", "abuse", "spam")

    every = listing(client).content.decode()
    only_reported = listing(client, reported="true").content.decode()
    unreported = listing(client, reported="false").content.decode()

    assert "Reports" in every
    assert edit_url(reported) in only_reported
    assert edit_url(quiet) not in only_reported
    assert edit_url(quiet) in unreported and edit_url(reported) not in unreported
    # The count column, in the reported comment's row.
    row = only_reported[only_reported.index(edit_url(reported)) :]
    assert ">3<" in row.replace(" ", "").replace("\n", "")[:4000]


def test_the_listing_counts_reports_in_its_one_query(client, moderator, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = comment(article, name="First")
    with CaptureQueriesContext(connection) as few:
        listing(client)
    for n in range(5):
        report(comment(article, name=f"R{n}"), "spam", "abuse", first_ip=10 * n)
    report(first, "other")
    with CaptureQueriesContext(connection) as many:
        listing(client)
    assert len(many) == len(few)


def test_the_edit_view_lists_the_reasons(client, moderator, article):
    reported = comment(article)
    report(reported, "spam", "abuse", "spam")

    html = client.get(edit_url(reported)).content.decode()

    assert "Spam: 2 reports" in html
    assert "Abusive or offensive: 1 report" in html


def test_approving_in_the_edit_view_clears_reports_and_stops_hiding(
    client, moderator, article
):
    reported = comment(article)
    report_on_page(Client(), article, reported.pk, ip="192.0.2.1")
    report_on_page(Client(), article, reported.pk, ip="192.0.2.2")
    reported.refresh_from_db()
    assert reported.status == PENDING

    response = client.post(
        edit_url(reported), comment_edit_data(reported, status=APPROVED)
    )

    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == APPROVED
    assert reported.reports_cleared_at is not None
    assert not CommentReport.objects.filter(comment=reported).exists()

    # New reports are kept for moderators, and no longer hide it.
    for n in (3, 4, 5):
        report_on_page(Client(), article, reported.pk, ip=f"192.0.2.{n}")
    reported.refresh_from_db()
    assert reported.status == APPROVED
    assert CommentReport.objects.filter(comment=reported).count() == 3


def test_editing_the_text_lets_reports_hide_it_again(client, moderator, article):
    reported = comment(article)
    Comment.objects.filter(pk=reported.pk).update(
        reports_cleared_at="2024-01-01T00:00:00Z"
    )
    reported.refresh_from_db()

    response = client.post(
        edit_url(reported), comment_edit_data(reported, body="Said, then edited.")
    )

    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.reports_cleared_at is None
    report_on_page(Client(), article, reported.pk, ip="192.0.2.1")
    report_on_page(Client(), article, reported.pk, ip="192.0.2.2")
    reported.refresh_from_db()
    assert reported.status == PENDING


def test_saving_an_unreported_comment_unchanged_keeps_reports_armed(
    client, moderator, article
):
    quiet = comment(article)

    client.post(edit_url(quiet), comment_edit_data(quiet))

    quiet.refresh_from_db()
    assert quiet.reports_cleared_at is None


def test_the_bulk_approve_action_clears_reports(client, moderator, article):
    hidden = comment(article, status=PENDING)
    other = comment(article, name="Other")
    report(hidden, "spam", "spam")
    report(other, "abuse")

    response = client.post(bulk_url("approve", [hidden]))

    assert response.status_code == 302
    hidden.refresh_from_db()
    assert hidden.status == APPROVED and hidden.reports_cleared_at is not None
    assert list(CommentReport.objects.values_list("comment_id", flat=True)) == [
        other.pk
    ]


def test_the_bulk_reject_action_keeps_reports(client, moderator, article):
    reported = comment(article)
    report(reported, "spam")

    client.post(bulk_url("reject", [reported]))

    assert CommentReport.objects.filter(comment=reported).count() == 1
    reported.refresh_from_db()
    assert reported.reports_cleared_at is None


def test_deleting_a_comment_deletes_its_reports(client, moderator, article):
    reported = comment(article)
    report(reported, "spam")

    client.post(reverse("wagtail_dvt_comments:delete", args=[reported.pk]))

    assert not Comment.objects.filter(pk=reported.pk).exists()
    assert not CommentReport.objects.exists()


def test_moderators_hear_of_a_hidden_comment_in_their_next_batch(
    settings, article, django_user_model, django_capture_on_commit_callbacks, mailoutbox
):
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "REPORTS_TO_HIDE": 2}
    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    reported = comment(article, name="Reported Ruth")

    with django_capture_on_commit_callbacks(execute=True):
        report_on_page(Client(), article, reported.pk, ip="192.0.2.1")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        report_on_page(Client(), article, reported.pk, ip="192.0.2.2")

    (message,) = mailoutbox
    assert message.to == ["root@example.com"]
    assert "Reported Ruth" in message.body
    assert "Reported by 2 readers: hidden again" in message.body
    reported.refresh_from_db()
    assert reported.announced_at is not None


def test_the_listing_sorts_by_reports(client, moderator, article):
    quiet = comment(article, name="Quiet Quinn")
    reported = comment(article, name="Reported Ruth")
    report(reported, "spam")

    html = listing(client, ordering="-report_count").content.decode()

    assert html.index(edit_url(reported)) < html.index(edit_url(quiet))
    html = listing(client, ordering="report_count").content.decode()
    assert html.index(edit_url(quiet)) < html.index(edit_url(reported))
