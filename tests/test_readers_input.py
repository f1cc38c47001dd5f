"""What readers type: names on one line, lengths counted as stored.

Each rule is checked through the page's form and both APIs, which share
``CommentFieldsForm``.
"""

from __future__ import annotations

import json
import time
from html import unescape
from unittest import mock

import pytest
from dvt_testing import make_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.comments.text import comment_fingerprint, normalize_for_comparison
from wagtail_dvt.models import Comment

LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029", "\x1e"]
ONE_LINE_ERROR = "Enter the name on one line"


@pytest.fixture
def article(root_page, settings):
    # API posts without a token: these tests are about what readers type.
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "API_COMMENTS": "open",
    }
    return make_article(root_page)


def post_form(client, page, **fields):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 5):
        token = make_form_token(page)
    data = {"author_name": "Ann", "email": "", "body": "Hello.", "honeypot": ""}
    return client.post(page.url + "comment/", {**data, "token": token, **fields})


def post_v2(client, page, **fields):
    data = {"article": page.pk, "author_name": "Ann", "body": "Hello.", **fields}
    return client.post(
        "/api/v2/comments/", json.dumps(data), content_type="application/json"
    )


def post_v3(client, page, **fields):
    data = {"article": page.pk, "author_name": "Ann", "body": "Hello.", **fields}
    return client.post(
        "/api/v3/comments/", json.dumps(data), content_type="application/json"
    )


POSTERS = [
    pytest.param(post_form, id="form"),
    pytest.param(post_v2, id="v2"),
    pytest.param(
        post_v3,
        id="v3",
        marks=pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="Wagtail 8"),
    ),
]


@pytest.mark.parametrize("poster", POSTERS)
@pytest.mark.parametrize("line_break", LINE_BREAKS)
def test_a_name_with_a_line_break_is_refused(client, article, poster, line_break):
    response = poster(client, article, author_name=f"Ann{line_break}Bcc: x@y.z")

    assert response.status_code == 400
    assert ONE_LINE_ERROR in unescape(response.content.decode())
    assert not Comment.objects.exists()


@pytest.mark.parametrize("poster", POSTERS)
def test_crlf_counts_once_against_the_length_limit(client, article, poster, settings):
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "COMMENT_BODY_MAX_LENGTH": 20}
    body = "line\r\n" * 3 + "12345"  # 20 characters once stored, 23 as sent

    response = poster(client, article, body=body)

    assert response.status_code in {202, 303}, response.content
    assert Comment.objects.get().body == "line\nline\nline\n12345"


@pytest.mark.parametrize("poster", POSTERS)
def test_a_body_over_the_limit_once_stored_is_refused(
    client, article, poster, settings
):
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "COMMENT_BODY_MAX_LENGTH": 20}

    response = poster(client, article, body="line\r\n" * 3 + "123456")  # 21

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("HELLO World", "hello world"),
        ("ｈｅｌｌｏ world", "hello world"),  # full-width letters (NFKC)
        ("hel\u200blo\u200d world\ufeff", "hello world"),  # zero-width characters
        ("hello\u00adworld", "helloworld"),  # soft hyphen
        ("Straße", "strasse"),  # case folding, not lowering
        ("a\r\nb\rc\u2028d", "a\nb\nc\nd"),
        ("  hello   world  \n\n", "hello world"),
        ("first line  \n\t second line", "first line\nsecond line"),  # each line
    ],
)
def test_normalized_text(typed, same_as):
    assert normalize_for_comparison(typed) == normalize_for_comparison(same_as)


def test_different_texts_have_different_fingerprints():
    assert comment_fingerprint("Ann", "a b") != comment_fingerprint("Ann", "a\nb")
    assert comment_fingerprint("Ann", "x") != comment_fingerprint("Bob", "x")
    assert comment_fingerprint("Ann B", "x") != comment_fingerprint("Ann", "B x")
