"""The CORS recipe of docs/api.md: django-cors-headers lets a front-end on
another origin read the API and post a comment, v2 and v3, with no cookie and
no extra header (the comment token travels in the JSON body)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()

FRONT = "http://front.test"
VERSIONS = [
    pytest.param("/api/v2", id="v2"),
    pytest.param(
        "/api/v3",
        id="v3",
        marks=pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="Wagtail 8"),
    ),
]


@pytest.fixture(params=VERSIONS)
def api(request):
    return request.param


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FORM_TOKEN_MIN_AGE": 0}


@pytest.fixture
def page(root_page):
    return root_page.add_child(
        instance=ArticlePage(
            title="Cross-origin",
            author="Ada",
            date=dt.date(2024, 5, 1),
            body=[("section", {"heading": "Intro", "content": "Text."})],
        )
    )


def preflight(client, url, origin=FRONT):
    return client.options(
        url,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def test_preflight_of_a_post_is_allowed_for_the_front_end(client, api, cors):
    response = preflight(client, f"{api}/comments/")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "content-type" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_the_front_end_reads_and_posts_a_comment(client, api, cors, page):
    token = client.get(
        f"{api}/comments/token/", {"article": page.pk}, HTTP_ORIGIN=FRONT
    )
    assert token.status_code == 200
    assert token["Access-Control-Allow-Origin"] == FRONT
    detail = client.get(f"{api}/pages/{page.pk}/", HTTP_ORIGIN=FRONT)
    assert detail["Access-Control-Allow-Origin"] == FRONT

    body = {
        "article": page.pk,
        "author_name": "Fran",
        "body": "Posted from the front-end.",
        "token": token.json()["token"],
        "honeypot": "",
    }
    response = client.post(
        f"{api}/comments/",
        json.dumps(body),
        content_type="application/json",
        HTTP_ORIGIN=FRONT,
    )

    assert response.status_code == 202, response.content
    assert response["Access-Control-Allow-Origin"] == FRONT
    exposed = response["Access-Control-Expose-Headers"].split(", ")
    assert {"Location", "Retry-After"} <= set(exposed)
    comment = Comment.objects.get()
    assert (comment.page_id, comment.status) == (page.pk, CommentStatus.PENDING)


def test_other_origins_get_no_cors_headers(client, api, cors, page):
    response = preflight(client, f"{api}/comments/", origin="http://evil.test")
    assert "Access-Control-Allow-Origin" not in response
    read = client.get(f"{api}/pages/{page.pk}/", HTTP_ORIGIN="http://evil.test")
    assert "Access-Control-Allow-Origin" not in read


def test_pages_outside_the_api_get_no_cors_headers(client, cors, page):
    response = client.get(page.url, HTTP_ORIGIN=FRONT)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("trusted,second_status", [(False, 429), (True, 202)])
def test_behind_a_server_side_proxy_readers_are_told_apart(
    client, settings, page, trusted, second_status
):
    """A Next.js server posts for every reader from one address: the flood
    limit would throttle the whole site unless it trusts the proxy's header."""
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "API_COMMENTS": "open"}
    if trusted:
        settings.WAGTAIL_DVT = {
            **settings.WAGTAIL_DVT,
            "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
            "TRUSTED_PROXY_COUNT": 1,
        }

    def post_as(reader_ip, body):
        data = {"article": page.pk, "author_name": reader_ip, "body": body}
        return client.post(
            "/api/v2/comments/",
            json.dumps(data),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.5",  # the front-end server
            # A client-sent value on the left, the proxy's append on the right.
            HTTP_X_FORWARDED_FOR=f"203.0.113.99, {reader_ip}",
        )

    assert post_as("198.51.100.1", "First reader.").status_code == 202
    assert post_as("198.51.100.2", "Second reader.").status_code == second_status
    stored = set(Comment.objects.values_list("ip_address", flat=True))
    assert stored == ({"198.51.100.1", "198.51.100.2"} if trusted else {"10.0.0.5"})
