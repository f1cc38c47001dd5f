"""The comments APIs' contract for front-ends: error codes, no 5xx from any
input, page links, ``body_html``, ``comments_open``, ``posted_at`` precision,
and an OpenAPI document that validators accept."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from dvt_testing import make_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus

V2 = "/api/v2/comments/"
V3 = "/api/v3/comments/"
needs_v3 = pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="API v3 is Wagtail 8+")
ENDPOINTS = [V2, pytest.param(V3, marks=needs_v3)]


@pytest.fixture
def page(root_page, settings):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "API_COMMENTS": "open",
    }
    page = make_article(root_page, "Paged")
    start = dt.datetime(2024, 5, 2, 12, 0, 30, 123456, tzinfo=dt.UTC)
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {n}",
            body=f"Comment {n}",
            posted_at=start + dt.timedelta(minutes=n),
            status=CommentStatus.APPROVED,
        )
        for n in range(45)
    )
    return page


def post(client, url, body, content_type="application/json", **extra):
    return client.post(url, body, content_type=content_type, **extra)


def new_comment(page, **fields):
    return {"article": page.pk, "author_name": "Ada", "body": "Hello.", **fields}


def code_of(response):
    return response.json()["code"]


# -- No 5xx from any input ----------------------------------------------------


def test_options_answers_200_for_cors_preflights(client, page):
    response = client.options(V2)

    assert response.status_code == 200
    assert {"GET", "POST", "OPTIONS"} <= {
        method.strip() for method in response["Allow"].split(",")
    }
    assert "application/json" in response.json()["parses"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_deeply_nested_json_is_a_400(client, page, url):
    response = post(client, url, "[" * 100_000 + "]" * 100_000)

    assert response.status_code == 400
    assert code_of(response) == "invalid_json"


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    "body", ["{not json", '"\\ud800"', '{"article": 1, "body": "\\udfff"}']
)
def test_malformed_json_is_a_400(client, page, url, body):
    response = post(client, url, body)

    assert response.status_code == 400
    assert code_of(response) == "invalid_json"
    assert not Comment.objects.filter(author_name="Ada").exists()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_body_over_the_upload_limit_is_a_413(client, page, url, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    body = json.dumps(new_comment(page, body="x" * 3_000_000))

    response = post(client, url, body)

    assert response.status_code == 413
    assert code_of(response) == "request_too_large"


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"],
)
def test_other_content_types_are_a_415(client, page, url, content_type):
    body = json.dumps(new_comment(page))
    if content_type == "application/x-www-form-urlencoded":
        body = "article=1&author_name=Ada&body=Hello"
    if content_type == "multipart/form-data":
        response = client.post(url, new_comment(page))
    else:
        response = post(client, url, body, content_type=content_type)

    assert response.status_code == 415
    assert code_of(response) == "unsupported_media_type"
    assert not Comment.objects.filter(author_name="Ada").exists()


@pytest.mark.parametrize(
    ("url", "status"), [(V2, 400), pytest.param(V3, 422, marks=needs_v3)]
)
@pytest.mark.parametrize(
    "params",
    [
        {"offset": 2**63},
        {"offset": 10**30},
        {"offset": "9" * 5000},
        {"limit": "9" * 5000},
        {"article": "9" * 5000},
    ],
)
def test_huge_offsets_are_refused(client, page, url, status, params):
    response = client.get(url, params)

    assert response.status_code == status
    assert code_of(response) == "invalid_request"


# -- limit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"), [(V2, 400), pytest.param(V3, 422, marks=needs_v3)]
)
def test_limit_goes_up_to_100(client, page, url, status):
    Comment.objects.bulk_create(
        Comment(page=page, author_name=f"More {n}", body="x", status="approved")
        for n in range(80)
    )
    default = client.get(url)
    hundred = client.get(url, {"limit": 100})

    assert len(default.json()["items"]) == 20
    assert len(hundred.json()["items"]) == 100
    for limit in (0, 101):
        response = client.get(url, {"limit": limit})
        assert response.status_code == status, limit
        assert code_of(response) == "invalid_request"


# -- Page links --------------------------------------------------------------


def links(data):
    meta = data.get("meta", data)
    return meta["next"], meta["previous"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_listing_links_lead_through_every_page(client, page, url):
    seen, following = [], f"http://testserver{url}?article={page.pk}&limit=20"
    pages = 0
    while following:
        data = client.get(following).json()
        seen += [item["id"] for item in data["items"]]
        following, _previous = links(data)
        pages += 1
        if following:
            assert f"article={page.pk}" in following
            assert "limit=20" in following

    assert pages == 3
    assert seen == list(
        Comment.objects.filter(page=page)
        .order_by("posted_at")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize("url", ENDPOINTS)
def test_previous_links_back_and_ends_are_null(client, page, url):
    first = client.get(url, {"limit": 20}).json()
    middle = client.get(url, {"limit": 20, "offset": 20}).json()
    last = client.get(url, {"limit": 20, "offset": 40}).json()

    base = f"http://localhost{url}"
    assert links(first) == (f"{base}?limit=20&offset=20", None)
    assert links(middle) == (f"{base}?limit=20&offset=40", f"{base}?limit=20")
    assert links(last) == (None, f"{base}?limit=20&offset=20")


# -- Error codes -------------------------------------------------------------


@pytest.mark.parametrize("url", ENDPOINTS)
def test_refusals_carry_stable_codes(client, page, url, settings, clock):
    closed = make_article(page.get_parent(), "Closed", comments_open=False)
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 60,
        "API_COMMENTS": "open",
    }

    def send(data, ip):
        return post(client, url, json.dumps(data), REMOTE_ADDR=ip)

    accepted = send(new_comment(page), "198.51.100.1")
    flood = send(new_comment(page, body="Again"), "198.51.100.1")
    # Only a repeat of a published comment is refused; a repeat of a hidden
    # one is answered as a new one would be (see test_readers_input.py).
    ada = Comment.objects.filter(author_name="Ada")
    ada.update(status=CommentStatus.APPROVED)
    duplicate = send(new_comment(page), "198.51.100.2")
    ada.update(status=CommentStatus.PENDING)
    invalid = send(new_comment(page, author_name=" "), "198.51.100.3")
    shut = send(new_comment(closed), "198.51.100.4")
    missing = send({**new_comment(page), "article": 999_999}, "198.51.100.5")
    hidden = client.get(f"{url}{Comment.objects.get(author_name='Ada').pk}/")

    assert accepted.status_code == 202
    assert (flood.status_code, code_of(flood)) == (429, "comment_flood")
    assert flood["Retry-After"] == "60"
    assert (duplicate.status_code, code_of(duplicate)) == (409, "comment_duplicate")
    assert (invalid.status_code, code_of(invalid)) == (400, "invalid_comment")
    assert (shut.status_code, code_of(shut)) == (403, "comments_closed")
    assert (missing.status_code, code_of(missing)) == (404, "article_not_found")
    assert (hidden.status_code, code_of(hidden)) == (404, "comment_not_found")


def refusal_classes():
    from wagtail_dvt.comments.admission import CommentRefused

    found, todo = [], [CommentRefused]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_code_sent_is_in_the_one_list_of_codes():
    from wagtail_dvt.api.codes import ERROR_CODES
    from wagtail_dvt.api.common import CODES_BY_STATUS

    # The abstract bases' codes are never sent: every refusal raised is a leaf.
    leaves = [cls for cls in refusal_classes() if not cls.__subclasses__()]
    assert {cls.code for cls in leaves} <= set(ERROR_CODES)
    assert set(CODES_BY_STATUS.values()) <= set(ERROR_CODES)


def test_the_docs_list_exactly_the_codes():
    import re

    from dvt_testing import REPO_ROOT

    from wagtail_dvt.api.codes import ERROR_CODES

    text = (REPO_ROOT / "docs" / "api.md").read_text()
    # The codes in the first two cells of docs/api.md's table rows.
    tables = set()
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3:
            tables |= {
                cell.strip("`")
                for cell in cells[:2]
                if re.fullmatch(r"`[a-z_]+`", cell) and cell.strip("`") in ERROR_CODES
            }
    assert tables == set(ERROR_CODES)


@needs_v3
@pytest.mark.parametrize(
    ("path", "params", "unknown"),
    [
        ("", {"artcle": "4"}, ["artcle"]),
        ("", {"article": "4", "limt": "5", "order": "-posted_at"}, ["limt"]),
        ("token/", {"article": "4", "x": "1"}, ["x"]),
        ("{pk}/", {"format": "json"}, ["format"]),
    ],
)
def test_v3_refuses_unknown_query_parameters_as_v2_does(
    client, page, path, params, unknown
):
    comment = Comment.objects.filter(page=page).first()
    url = V3 + path.format(pk=comment.pk)

    response = client.get(url, params)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_request"
    locs = [error["loc"] for error in response.json()["errors"]]
    assert locs == [["query", name] for name in unknown]


def test_v2_refuses_a_misspelt_filter_too(client, page):
    response = client.get(V2, {"artcle": "4"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


# -- Front-end fields ---------------------------------------------------------


def test_body_html_is_the_pages_rendering(client, page, settings):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "AUTO_APPROVE": True,
        "API_COMMENTS": "open",
        # The new comment is the page's newest: embed it too.
        "API_EMBEDDED_COMMENTS_LIMIT": 100,
    }
    text = "<b>Hi</b> & see\r\nhttps://example.org/a?b=1"
    response = post(client, V2, json.dumps(new_comment(page, body=text)))
    comment = Comment.objects.get(author_name="Ada")
    rendered = str(comment.body_html())

    assert rendered == (
        "&lt;b&gt;Hi&lt;/b&gt; &amp; see<br>"
        '<a rel="nofollow ugc noopener" href="https://example.org/a?b=1">'
        "https://example.org/a?b=1</a>"
    )
    assert rendered in client.get(page.url, {"comments_page": 1}).content.decode()
    assert response.json()["body_html"] == rendered
    detail = client.get(f"/api/v2/pages/{page.pk}/").json()
    embedded = [c for c in detail["comments"] if c["id"] == comment.pk]
    assert embedded[0]["body_html"] == rendered
    listed = client.get(V2, {"article": page.pk, "order": "-posted_at", "limit": 1})
    assert listed.json()["items"][0]["body_html"] == rendered
    if WAGTAIL_VERSION >= (8, 0):
        assert client.get(f"{V3}{comment.pk}/").json()["body_html"] == rendered
        v3_page = client.get(f"/api/v3/pages/{page.pk}/").json()
        assert [c["body_html"] for c in v3_page["comments"]][-1] == rendered


@pytest.mark.parametrize(
    "pages", ["/api/v2/pages/", pytest.param("/api/v3/pages/", marks=needs_v3)]
)
def test_articles_say_whether_comments_are_open(client, page, pages):
    closed = make_article(page.get_parent(), "Closed", comments_open=False)

    assert client.get(f"{pages}{page.pk}/").json()["comments_open"] is True
    assert client.get(f"{pages}{closed.pk}/").json()["comments_open"] is False


def test_posted_at_is_to_the_second_everywhere(client, page):
    # Stored with microseconds, as comments posted on the web are.
    urls = [(V2, "items"), (f"/api/v2/pages/{page.pk}/", "comments")]
    if WAGTAIL_VERSION >= (8, 0):
        urls += [(V3, "items"), (f"/api/v3/pages/{page.pk}/", "comments")]

    times = {url: client.get(url).json()[key][0]["posted_at"] for url, key in urls}

    assert set(times.values()) == {"2024-05-02T12:00:30Z"}


@pytest.mark.parametrize(
    ("url", "expected"), [(V2, 4), pytest.param(V3, 4, marks=needs_v3)]
)
def test_listing_queries_stay_flat_with_links_and_body_html(
    client, page, url, expected
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(limit):
        client.get(url, {"limit": limit})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"limit": limit, "offset": 1})
        assert len(response.json()["items"]) == min(limit, 44)
        return len(captured)

    # The documented counts (docs/api.md): page links and body_html add none.
    assert queries(5) == queries(100) == expected


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_huge_article_number_is_refused(client, page, url):
    body = '{"article": %s, "author_name": "Ada", "body": "Hi"}' % ("9" * 5000)

    response = post(client, url, body)

    assert response.status_code in (400, 422)
    assert response.json()["code"] in (
        "invalid_json",
        "invalid_comment",
        "invalid_request",
    )
