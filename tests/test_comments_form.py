"""The "Write a comment" form on the article page, over HTTP.

Time stands still in every test (the ``clock`` fixture): token ages are set
by signing tokens at a past moment, and the end-to-end test at the bottom
moves the clock on instead of waiting, and posts back only what the page gave
it.
"""

import re
import time
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from dvt_testing import FROZEN_AT, age_posts, home_page_model, make_article
from wagtail.models import PageViewRestriction

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.comments.views import client_ip
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)

ArticlePage = get_article_model()

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def article(root_page):
    return make_article(root_page)


def token_for(page, age):
    """A form token for ``page`` as if the form was rendered ``age`` s ago."""
    with time_machine.travel(time.time() - age, tick=False):
        return make_form_token(page)


def form_data(page, *, age=5, **overrides):
    data = {
        "author_name": "Ann Reader",
        "email": "ann@example.com",
        "body": "Thank you,\nthis helped.",
        "honeypot": "",
        "token": token_for(page, age),
    }
    data.update(overrides)
    return data


def comment_url(page):
    return page.url + "comment/"


def post(client, page, *, meta=None, **fields):
    return client.post(comment_url(page), form_data(page, **fields), **(meta or {}))


def form_errors(response):
    return unescape(response.content.decode())


# -- the form ---------------------------------------------------------------


def test_the_article_shows_the_form(client, article):
    response = client.get(article.url)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Write a comment" in html
    assert f'action="{comment_url(article)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for name in ("author_name", "email", "body", "honeypot", "token"):
        assert f'name="{name}"' in html
    assert 'class="dvt-comment-hp" hidden' in html
    assert 'maxlength="5000"' in html


def test_closed_comments_show_no_form(client, root_page):
    closed = make_article(root_page, comments_open=False)
    html = client.get(closed.url).content.decode()
    assert 'name="body"' not in html
    assert "Comments are closed." in html


def test_a_get_of_the_post_url_goes_back_to_the_article(client, article):
    response = client.get(comment_url(article))
    assert response.status_code == 302
    assert response["Location"] == article.url + "#comment-form"


# -- accepted posts: post/redirect/get -------------------------------------


def test_a_valid_post_stores_a_pending_comment_and_redirects(client, article):
    response = post(client, article, meta={"HTTP_USER_AGENT": "Firefox/1"})

    assert response.status_code == 303
    assert response["Location"] == article.url + "?comment_status=pending#comment-form"
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert comment.page_id == article.pk
    assert comment.body == "Thank you,\nthis helped."
    assert comment.email == "ann@example.com"
    assert comment.ip_address == "127.0.0.1"
    assert comment.user_agent == "Firefox/1"

    page = client.get(response["Location"]).content.decode()
    assert "Your comment is awaiting moderation" in page
    assert "Thank you,<br>this helped." not in page  # not shown until approved


def test_privileged_fields_in_the_post_are_ignored(client, article):
    post(client, article, status="approved", posted_at="2001-01-01T00:00Z")
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert comment.posted_at == FROZEN_AT


def test_auto_approved_comments_are_published_at_once(client, article, settings):
    settings.WAGTAIL_DVT = {"AUTO_APPROVE": True}
    response = post(client, article)
    assert response["Location"] == (
        article.url + "?comment_status=published#comment-form"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Your comment has been published" in page
    assert "Thank you,<br>this helped." in page
    assert "Comments are moderated" not in page


def test_spam_looks_like_pending_to_the_poster(client, article, settings):
    settings.WAGTAIL_DVT = {"DISALLOWED_WORDS": ["helped"]}
    response = post(client, article)
    assert response["Location"].endswith("?comment_status=pending#comment-form")
    assert Comment.objects.get().status == CommentStatus.SPAM


def test_the_status_notice_is_plain_text(client, article):
    html = client.get(article.url + "?comment_status=<script>").content.decode()
    assert "<script>" not in html
    assert "awaiting moderation" not in html


# -- refused posts store nothing --------------------------------------------


def test_a_post_without_csrf_token_stores_nothing(article):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(comment_url(article), form_data(article))
    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"age": 2 * 60 * 60 + 5}, "This form has expired"),
        ({"age": 0}, "That was quick!"),
        ({"token": ""}, "This form is invalid"),
        ({"token": "forged:token:value"}, "This form is invalid"),
        ({"honeypot": "http://spam.example"}, "could not be accepted"),
    ],
)
def test_bad_tokens_and_a_filled_honeypot_store_nothing(
    client, article, overrides, message
):
    response = post(client, article, **overrides)

    assert response.status_code == 400
    assert message in form_errors(response)
    assert not Comment.objects.exists()


def test_token_ages_are_measured_below_the_second(client, article, settings):
    # Django's whole-second timestamps would round this token up to 30 s.
    settings.WAGTAIL_DVT = {"FORM_TOKEN_MIN_AGE": 30}
    response = post(client, article, age=29.99)
    assert response.status_code == 400
    assert "That was quick!" in form_errors(response)
    assert not Comment.objects.exists()
    assert post(client, article, age=30).status_code == 303


def test_a_token_for_another_article_is_invalid(client, article, root_page):
    other = make_article(root_page, title="Other")
    response = post(client, article, token=token_for(other, 5))
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_token_just_over_2_s_old_is_accepted(client, article):
    assert post(client, article, age=2.05).status_code == 303


def test_token_ages_are_settings(client, article, settings):
    settings.WAGTAIL_DVT = {"FORM_TOKEN_MIN_AGE": 0, "FORM_TOKEN_MAX_AGE": 60}
    assert post(client, article, age=0).status_code == 303
    assert post(client, article, age=61, body="Other").status_code == 400


def test_a_refused_form_is_shown_again_with_the_text_and_a_new_token(client, article):
    old_token = token_for(article, 1)
    response = post(client, article, token=old_token, honeypot="bot")
    html = response.content.decode()

    assert "Thank you,\nthis helped.</textarea>" in html
    new_token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert new_token != old_token
    assert 'name="honeypot" value="bot"' not in html


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"author_name": "  "}, "This field is required."),
        ({"body": ""}, "This field is required."),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"body": "x" * 5001}, "Ensure this value has at most 5000 characters"),
    ],
)
def test_invalid_input_is_shown_with_the_form(
    client, article, overrides, field_message
):
    response = post(client, article, **overrides)
    assert response.status_code == 400
    assert field_message in form_errors(response)
    assert 'name="body"' in response.content.decode()
    assert not Comment.objects.exists()


def test_a_second_post_within_15_s_gets_429_with_retry_after(client, article):
    assert post(client, article).status_code == 303
    response = post(client, article, body="And another thing.")

    assert response.status_code == 429
    assert response["Retry-After"] == "15"
    assert "too quickly" in form_errors(response)
    assert "And another thing.</textarea>" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_duplicate_of_an_approved_comment_gets_409(client, article):
    assert post(client, article).status_code == 303
    Comment.objects.update(
        posted_at=timezone.now() - timedelta(minutes=1), status=CommentStatus.APPROVED
    )
    response = post(client, article)
    assert response.status_code == 409
    assert "already posted this comment" in form_errors(response)
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "status", [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED]
)
def test_a_duplicate_of_a_hidden_comment_is_answered_as_a_new_one(
    client, article, status
):
    first = post(client, article)
    age_posts(minutes=1)
    Comment.objects.update(status=status)
    repeated = post(client, article, author_name="ANN\u200b READER")
    assert (repeated.status_code, repeated["Location"]) == (
        first.status_code,
        first["Location"],
    )
    assert list(Comment.objects.values_list("status", flat=True)) == [status]


def test_a_post_to_a_closed_article_gets_403(client, article):
    data = form_data(article)
    ArticlePage.objects.filter(pk=article.pk).update(comments_open=False)
    response = client.post(comment_url(article), data)
    assert response.status_code == 403
    assert "Comments are closed" in form_errors(response)
    assert 'name="body"' not in response.content.decode()
    assert not Comment.objects.exists()


def test_a_post_to_a_private_article_stores_nothing(client, article):
    data = form_data(article)
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )
    response = client.post(comment_url(article), data)
    # Wagtail's privacy check answers first, with a redirect to the login.
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Comment.objects.exists()


def test_a_private_article_shows_no_form_to_its_readers(
    client, article, django_user_model
):
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )
    client.force_login(django_user_model.objects.create_user("reader", "", "x"))
    html = client.get(article.url).content.decode()
    assert 'name="body"' not in html

    response = client.post(comment_url(article), form_data(article))
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_post_to_a_draft_is_not_found(client, article):
    data = form_data(article)
    article.unpublish()
    assert client.post(comment_url(article), data).status_code == 404
    assert not Comment.objects.exists()


# -- rendering --------------------------------------------------------------


def test_comments_are_escaped_and_keep_their_line_breaks(client, article):
    Comment.objects.create(
        page=article,
        author_name=XSS,
        body=f"First line\n{XSS}\nsee https://example.com/a?b=1&c=2 or www.x.org",
        email=f"{XSS}@example.com",
        status=CommentStatus.APPROVED,
        ip_address="192.0.2.1",
    )
    html = client.get(article.url).content.decode()

    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "First line<br>&lt;script&gt;" in html
    assert (
        '<a rel="nofollow ugc noopener" href="https://example.com/a?b=1&amp;c=2">'
        in html
    )
    # Bare domains link to https, as Django 2028 will (URLIZE_ASSUME_HTTPS).
    assert '<a rel="nofollow ugc noopener" href="https://www.x.org">' in html
    assert "example.com</span>" not in html
    assert "192.0.2.1" not in html  # private fields are never shown
    assert "@example.com" not in html


def test_only_approved_comments_are_shown(client, article):
    for status in CommentStatus.values:
        Comment.objects.create(page=article, author_name=status, body=f"A {status} one")
        Comment.objects.filter(author_name=status).update(status=status)
    html = client.get(article.url).content.decode()
    assert "A approved one" in html
    for status in ("pending", "rejected", "spam"):
        assert f"A {status} one" not in html


# -- the client address -----------------------------------------------------


@pytest.mark.parametrize(
    ("dvt", "headers", "expected"),
    [
        ({}, {"HTTP_X_FORWARDED_FOR": "198.51.100.9"}, "10.0.0.1"),
        ({"TRUSTED_PROXY_HEADER": "X-Forwarded-For"}, {}, "10.0.0.1"),
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For"},
            {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.9"},
            "198.51.100.9",
        ),
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 2},
            {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.9, 10.0.0.2"},
            "198.51.100.9",
        ),
        (
            {"TRUSTED_PROXY_HEADER": "X-Real-IP"},
            {"HTTP_X_REAL_IP": "2001:db8::7"},
            "2001:db8::7",
        ),
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For"},
            {"HTTP_X_FORWARDED_FOR": "garbage"},
            "10.0.0.1",
        ),
    ],
)
def test_client_ip(rf, settings, dvt, headers, expected):
    settings.WAGTAIL_DVT = dvt
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", **headers)
    assert client_ip(request) == expected


def test_the_proxy_header_feeds_the_flood_rule(client, article, settings):
    settings.WAGTAIL_DVT = {"TRUSTED_PROXY_HEADER": "X-Forwarded-For"}
    post(client, article, meta={"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    response = post(
        client, article, body="Other", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    )
    assert response.status_code == 303
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {
        "198.51.100.1",
        "198.51.100.2",
    }


# -- as a new user would ----------------------------------------------------


def hidden_inputs_and_fields(html):
    """The form's action and the name/value pairs a browser would send back."""
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    action, body = form.group(1), form.group(2)
    data = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            data[name.group(1)] = unescape(value.group(1)) if value else ""
    return unescape(action), data


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_end_to_end_as_a_browser_would(root_page, clock):
    article = make_article(root_page)
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="E2E/1.0")

    page = browser.get(article.url)
    assert page.status_code == 200
    assert "csrftoken" in browser.cookies
    action, data = hidden_inputs_and_fields(page.content.decode())
    assert set(data) == {
        "csrfmiddlewaretoken",
        "token",
        "parent",
        "author_name",
        "email",
        "honeypot",
        "remember",  # Unticked: a browser would not send it.
        "notify_replies",  # Unticked too.
    }
    data.pop("remember")
    data.pop("notify_replies")
    data.update(author_name="Eve <b>Tester</b>", body=f"Hello {XSS}\nBye")

    clock.shift(2.1)  # the reader writes for just over FORM_TOKEN_MIN_AGE
    response = browser.post(action, data)
    assert response.status_code == 303, response.content.decode()[:2000]
    after = browser.get(response["Location"])
    assert "Your comment is awaiting moderation" in after.content.decode()

    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert comment.author_name == "Eve <b>Tester</b>"
    assert "Hello <script>" not in after.content.decode()
    assert "Eve &lt;b&gt;Tester&lt;/b&gt;" not in after.content.decode()

    comment.status = CommentStatus.APPROVED
    comment.save()
    shown = browser.get(article.url).content.decode()
    assert "Eve &lt;b&gt;Tester&lt;/b&gt;" in shown
    assert "Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown
    assert "<script>alert" not in shown

    # A second comment 3 s later, from the same address, with a fresh form.
    action, data = hidden_inputs_and_fields(after.content.decode())
    data.update(author_name="Eve", body="One more thing.")
    clock.shift(3)
    response = browser.post(action, data)
    assert response.status_code == 429
    assert response["Retry-After"] == "12"
    assert Comment.objects.count() == 1

    # Without the CSRF token, nothing is stored either.
    data.pop("csrfmiddlewaretoken")
    fresh = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.99")
    assert fresh.post(action, data).status_code == 403
    assert Comment.objects.count() == 1


def test_a_post_reads_the_view_restrictions_once_past_wagtails_own_check(
    client, article
):
    """Wagtail's serve hook checks them for this request; the admission rules
    check them again under the article's lock: two reads, not one per page."""
    with CaptureQueriesContext(connection) as captured:
        assert post(client, article).status_code == 303
    restriction_reads = [
        query["sql"]
        for query in captured.captured_queries
        if "pageviewrestriction" in query["sql"]
    ]
    assert len(restriction_reads) == 2
    assert Comment.objects.filter(page=article).count() == 1


@pytest.mark.parametrize("validator", ["none", "ETag"])
def test_the_page_reads_the_view_restrictions_once(client, article, validator):
    """Wagtail's serve hook reads them; the form and the page's validator
    reuse that reading, for a full answer and for a 304 alike."""
    client.get(article.url)
    headers = {}
    if validator == "ETag":
        headers["HTTP_IF_NONE_MATCH"] = client.get(article.url)["ETag"]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(article.url, **headers)
    assert response.status_code == (304 if headers else 200)
    restriction_reads = [
        query["sql"]
        for query in captured.captured_queries
        if "pageviewrestriction" in query["sql"]
    ]
    assert len(restriction_reads) == 1


# -- limits that fail closed ----------------------------------------------------


def test_a_form_token_serves_one_comment(client, article, settings):
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0}
    data = form_data(article)
    assert client.post(comment_url(article), data).status_code == 303

    again = client.post(
        comment_url(article),
        {**data, "body": "Again, from elsewhere."},
        REMOTE_ADDR="198.51.100.77",
    )

    assert again.status_code == 400
    assert "already been sent" in form_errors(again)
    assert "Again, from elsewhere.</textarea>" in again.content.decode()
    assert list(Comment.objects.values_list("body", flat=True)) == [
        "Thank you,\nthis helped."
    ]


def test_a_flooded_post_keeps_its_token_for_later(client, article):
    assert post(client, article, body="First.").status_code == 303
    data = form_data(article, body="Second.")
    assert client.post(comment_url(article), data).status_code == 429

    age_posts(seconds=16)

    assert client.post(comment_url(article), data).status_code == 303
    assert Comment.objects.count() == 2


def test_an_unknown_address_counts_as_one_shared_client(client, article):
    """Behind a UNIX socket, REMOTE_ADDR is empty: the flood limit still holds."""
    unknown = {"REMOTE_ADDR": ""}
    assert post(client, article, body="First.", meta=unknown).status_code == 303
    response = post(client, article, body="Second.", meta=unknown)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 15
    assert list(Comment.objects.values_list("body", "ip_address")) == [("First.", None)]
    # Known addresses are not held up by the unknown ones.
    assert post(client, article, body="Third.").status_code == 303


@pytest.mark.parametrize(
    "name",
    [
        "\u202enimda",
        "nimda\u202c",
        "\u2066nimda\u2069",
        "\u200enimda\u200f",
        "nim\u061cda",
        "\u202b\u202a\u202dnimda",
    ],
)
def test_bidi_controls_are_taken_out_of_names(client, article, name):
    assert post(client, article, author_name=name).status_code == 303
    assert Comment.objects.get().author_name == "nimda"


def test_a_name_of_bidi_controls_only_is_missing(client, article):
    response = post(client, article, author_name="\u202e\u202c")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_another_sites_host_cannot_post_to_this_sites_article(client, article):
    from wagtail.models import Site

    home_b = (
        get_base_page_model()
        .get_first_root_node()
        .add_child(instance=home_page_model()(title="B home", slug="b-home"))
    )
    Site.objects.create(hostname="b.localhost", port=80, root_page=home_b)

    response = post(client, article, meta={"HTTP_HOST": "b.localhost"})

    assert response.status_code == 404
    assert not Comment.objects.exists()
