"""Readers' reports of comments, through the article page's form and the APIs:
one per client, sharing the flood interval, answered alike for hidden and
missing comments, and hiding a comment at ``REPORTS_TO_HIDE``."""

from __future__ import annotations

import pytest
from django.test import Client
from dvt_testing import age_posts, make_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.comments.limits import PostingClient
from wagtail_dvt.comments.reports import CommentReport
from wagtail_dvt.models import Comment, CommentStatus
from wagtail_dvt.signals import comments_changed

APPROVED = CommentStatus.APPROVED
HIDDEN = [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED]

API_VERSIONS = ["/api/v2/comments/"]
if WAGTAIL_VERSION >= (8, 0):
    API_VERSIONS.append("/api/v3/comments/")


@pytest.fixture(autouse=True)
def report_settings(settings):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FLOOD_INTERVAL": 0}


@pytest.fixture
def article(root_page):
    return make_article(root_page)


@pytest.fixture(params=API_VERSIONS)
def api(request):
    return request.param


def comment(article, status=APPROVED, name="Naomi Ho"):
    # bulk_create sends no signal: setting up a test purges nothing.
    body = f"Said by {name}."
    [created] = Comment.objects.bulk_create(
        [Comment(page=article, author_name=name, body=body, status=status)]
    )
    return Comment.objects.get(pk=created.pk)


def report_url(article, comment_id):
    return f"{article.url}comments/{comment_id}/report/"


def report_on_page(client, article, comment_id, reason="spam", ip="192.0.2.1"):
    return client.post(
        report_url(article, comment_id), {"reason": reason}, REMOTE_ADDR=ip
    )


def report_by_api(client, api, comment_id, body=None, ip="192.0.2.1"):
    return client.post(
        f"{api}{comment_id}/report/",
        body if body is not None else {"reason": "abuse"},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def answer(response):
    """Everything a client receives: status, headers and body."""
    return response.status_code, sorted(response.headers.items()), response.content


# -- the page -------------------------------------------------------------------


def test_every_visible_comment_has_a_report_form(client, article):
    shown = comment(article)
    hidden = comment(article, status=CommentStatus.PENDING, name="Hidden")

    html = client.get(article.url).content.decode()

    assert f'action="{report_url(article, shown.pk)}"' in html
    assert report_url(article, hidden.pk) not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<option value="off_topic">' in html


def test_a_report_from_the_page_is_stored_and_redirects_with_a_notice(client, article):
    reported = comment(article)

    response = report_on_page(client, article, reported.pk, reason="abuse")

    assert response.status_code == 303
    assert response["Location"] == f"{article.url}?report_status=sent#comments"
    report = CommentReport.objects.get()
    assert (report.comment_id, report.reason, report.ip_address) == (
        reported.pk,
        "abuse",
        "192.0.2.1",
    )
    assert report.reporter is None
    page = client.get(response["Location"]).content.decode()
    assert "Moderators will look at the comment you reported." in page


def test_the_page_form_needs_the_csrf_token(article):
    reported = comment(article)
    client = Client(enforce_csrf_checks=True)

    response = report_on_page(client, article, reported.pk)

    assert response.status_code == 403
    assert not CommentReport.objects.exists()


def test_the_page_form_keeps_the_comments_page(client, article):
    reported = comment(article)

    response = client.post(
        report_url(article, reported.pk), {"reason": "spam", "comments_page": "3"}
    )

    assert response["Location"].endswith("report_status=sent&comments_page=3#comments")


def test_an_invalid_reason_on_the_page_is_a_400_and_stores_nothing(client, article):
    reported = comment(article)

    response = report_on_page(client, article, reported.pk, reason="boring")

    assert response.status_code == 400
    assert "Choose one of the reasons offered." in response.content.decode()
    assert not CommentReport.objects.exists()
    assert not PostingClient.objects.exists()


def test_a_signed_in_reader_reports_as_themself(client, article, django_user_model):
    reported = comment(article)
    reader = django_user_model.objects.create_user("reader", "reader@example.org")
    client.force_login(reader)

    report_on_page(client, article, reported.pk, ip="192.0.2.1")
    report_on_page(client, article, reported.pk, ip="192.0.2.2")

    report = CommentReport.objects.get()
    assert (report.reporter, report.client_key) == (reader, f"user:{reader.pk}")


def test_a_comment_on_another_article_cannot_be_reported_from_this_page(
    client, article, root_page
):
    other = make_article(root_page, title="Another")
    elsewhere = comment(other)

    response = report_on_page(client, article, elsewhere.pk)

    assert response.status_code == 303
    assert not CommentReport.objects.exists()


# -- the APIs -------------------------------------------------------------------


def test_a_report_by_api_is_stored_and_accepted(client, api, article):
    reported = comment(article)

    response = report_by_api(client, api, reported.pk)

    assert response.status_code == 202, response.content
    assert response.json() == {
        "message": "Thank you. Moderators will look at this comment."
    }
    report = CommentReport.objects.get()
    assert (report.comment_id, report.reason) == (reported.pk, "abuse")


def test_a_signed_in_reader_reports_by_api_as_themself(
    api, article, settings, django_user_model
):
    """v2 signs the reader in by session (with ``API_COMMENTS`` "authenticated"),
    v3 by bearer token; either way the report is the account's, from any address."""
    from test_signed_in_comments import V2, bearer_client, session_client

    reported = comment(article)
    reader = django_user_model.objects.create_user("reader", "reader@example.org")
    if api == V2:
        settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "API_COMMENTS": "authenticated"}
        client = session_client(reader)
    else:
        client = bearer_client(reader)

    first = report_by_api(client, api, reported.pk, ip="192.0.2.1")
    again = report_by_api(client, api, reported.pk, ip="192.0.2.2")

    assert (first.status_code, again.status_code) == (202, 202), first.content
    report = CommentReport.objects.get()
    assert (report.reporter, report.client_key) == (reader, f"user:{reader.pk}")


def test_the_reason_is_optional(client, api, article):
    reported = comment(article)

    response = report_by_api(client, api, reported.pk, body={})

    assert response.status_code == 202, response.content
    assert CommentReport.objects.get().reason == "other"


@pytest.mark.parametrize("reason", ["boring", "", 3, ["spam"]])
def test_an_invalid_reason_is_a_400_with_its_code(client, api, article, reason):
    reported = comment(article)

    response = report_by_api(client, api, reported.pk, body={"reason": reason})

    if reason == "":
        assert response.status_code == 202  # As left out: "other".
        return
    assert response.status_code in (400, 422), response.content
    if isinstance(reason, str):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_report_reason"
    assert not CommentReport.objects.exists()


def test_the_api_takes_json_only(client, api, article):
    reported = comment(article)

    response = client.post(f"{api}{reported.pk}/report/", {"reason": "spam"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not CommentReport.objects.exists()


def test_unknown_fields_are_refused(client, api, article):
    reported = comment(article)

    response = report_by_api(
        client, api, reported.pk, body={"reason": "spam", "status": "pending"}
    )

    assert response.status_code in (400, 422)
    assert not CommentReport.objects.exists()


@pytest.mark.parametrize("via", ["page", *API_VERSIONS])
@pytest.mark.parametrize("status", HIDDEN)
def test_a_hidden_or_missing_comment_is_answered_as_a_reported_one(
    article, via, status
):
    shown, hidden = comment(article), comment(article, status=status, name="H")

    def report(comment_id, ip):
        if via == "page":
            return report_on_page(Client(), article, comment_id, ip=ip)
        return report_by_api(Client(), via, comment_id, ip=ip)

    answers = [
        answer(report(comment_id, ip=f"192.0.2.{n}"))
        for n, comment_id in enumerate((shown.pk, hidden.pk, 10**6), start=1)
    ]

    assert answers[0][0] == (303 if via == "page" else 202)
    assert answers[0] == answers[1] == answers[2]
    assert list(CommentReport.objects.values_list("comment_id", flat=True)) == [
        shown.pk
    ]


def test_a_comment_on_a_private_article_is_answered_as_missing(client, api, article):
    from wagtail.models import PageViewRestriction

    reported = comment(article)
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )

    response = report_by_api(client, api, reported.pk)

    assert response.status_code == 202
    assert not CommentReport.objects.exists()


# -- one report per client, and the flood interval -------------------------------


def test_one_report_counts_per_client(client, api, article):
    reported = comment(article)

    first = report_by_api(client, api, reported.pk)
    again = report_by_api(client, api, reported.pk, body={"reason": "spam"})
    on_page = report_on_page(client, article, reported.pk)

    assert answer(first) == answer(again)
    assert on_page.status_code == 303
    assert CommentReport.objects.get().reason == "abuse"


def test_reports_and_posts_share_the_flood_interval(client, settings, article):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 60,
        "API_COMMENTS": "open",
    }
    first, second = comment(article), comment(article, name="Other")
    posted = client.post(
        "/api/v2/comments/",
        {"article": article.pk, "author_name": "Ann", "body": "A post."},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.9",
    )
    assert posted.status_code == 202

    refused = report_by_api(client, "/api/v2/comments/", first.pk, ip="192.0.2.9")

    assert refused.status_code == 429
    assert refused.json()["code"] == "comment_flood"
    assert int(refused["Retry-After"]) > 0
    assert not CommentReport.objects.exists()

    age_posts(seconds=61)
    assert report_by_api(client, "/api/v2/comments/", first.pk, ip="192.0.2.9")
    on_page = report_on_page(client, article, second.pk, ip="192.0.2.9")
    assert on_page.status_code == 429
    assert on_page["Retry-After"]
    assert list(CommentReport.objects.values_list("comment_id", flat=True)) == [
        first.pk
    ]


@pytest.mark.parametrize("target", ["hidden", "missing"])
def test_a_report_on_a_hidden_or_missing_comment_starts_the_interval(
    client, settings, article, target
):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FLOOD_INTERVAL": 60}
    shown = comment(article)
    hidden = comment(article, status=CommentStatus.SPAM, name="H")
    comment_id = hidden.pk if target == "hidden" else 10**6

    assert report_on_page(client, article, comment_id).status_code == 303
    refused = report_on_page(client, article, shown.pk)

    assert refused.status_code == 429
    assert not CommentReport.objects.exists()


# -- hiding at the threshold ----------------------------------------------------


def test_reports_from_distinct_clients_hide_the_comment(
    client, api, article, django_capture_on_commit_callbacks
):
    reported = comment(article)
    signals = []

    def receiver(sender, article, **kwargs):
        signals.append(article.pk)

    comments_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for n in (1, 2):
                report_by_api(client, api, reported.pk, ip=f"192.0.2.{n}")
            # A second report from the same client does not count.
            report_by_api(client, api, reported.pk, ip="192.0.2.2")
        reported.refresh_from_db()
        assert reported.status == APPROVED
        assert reported.body in client.get(article.url).content.decode()
        assert signals == []

        with django_capture_on_commit_callbacks(execute=True):
            report_by_api(client, api, reported.pk, ip="192.0.2.3")
    finally:
        comments_changed.disconnect(receiver)

    reported.refresh_from_db()
    assert (reported.status, reported.announced_at) == (CommentStatus.PENDING, None)
    assert CommentReport.objects.filter(comment=reported).count() == 3
    assert reported.body not in client.get(article.url).content.decode()
    assert signals == [article.pk]


def test_the_threshold_is_a_setting(client, settings, article):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "REPORTS_TO_HIDE": 1,
    }
    reported = comment(article)

    report_on_page(client, article, reported.pk)

    reported.refresh_from_db()
    assert reported.status == CommentStatus.PENDING


def test_no_threshold_never_hides(client, settings, article):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "REPORTS_TO_HIDE": None,
    }
    reported = comment(article)

    for n in range(1, 6):
        report_on_page(client, article, reported.pk, ip=f"192.0.2.{n}")

    reported.refresh_from_db()
    assert reported.status == APPROVED
    assert CommentReport.objects.count() == 5


def test_signed_in_readers_count_as_distinct_clients_behind_one_address(
    client, settings, article, django_user_model
):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "REPORTS_TO_HIDE": 2,
    }
    reported = comment(article)
    for name in ("one", "two"):
        client.force_login(django_user_model.objects.create_user(name))
        report_on_page(client, article, reported.pk, ip="192.0.2.1")

    reported.refresh_from_db()
    assert reported.status == CommentStatus.PENDING


def test_the_page_etag_changes_when_reports_hide_a_comment(client, settings, article):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "REPORTS_TO_HIDE": 1,
    }
    reported = comment(article)
    etag = client.get(article.url)["ETag"]

    report_on_page(client, article, reported.pk)

    assert client.get(article.url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_front_end_on_another_origin_reports_with_cors(
    client, settings, api, article
):
    settings.CORS_ALLOWED_ORIGINS = ["http://front.test"]
    reported = comment(article)
    url = f"{api}{reported.pk}/report/"

    preflight = client.options(
        url,
        HTTP_ORIGIN="http://front.test",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    response = client.post(
        url, {"reason": "spam"}, content_type="application/json",
        HTTP_ORIGIN="http://front.test",
    )  # fmt: skip

    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "http://front.test"
    assert "Access-Control-Allow-Credentials" not in preflight
    assert response.status_code == 202
    assert response["Access-Control-Allow-Origin"] == "http://front.test"
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    assert CommentReport.objects.get().reason == "spam"
