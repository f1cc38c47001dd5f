"""Threaded replies in API v2 and v3: ``parent``, ``reply_count``, the
``parent`` filter and posting replies, through real requests."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dvt_testing import make_article
from test_comment_threads import threaded_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus

APPROVED = CommentStatus.APPROVED
HIDDEN = [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED]

VERSIONS = ["/api/v2/comments/"]
if WAGTAIL_VERSION >= (8, 0):
    VERSIONS.append("/api/v3/comments/")


@pytest.fixture(autouse=True)
def open_posting(settings):
    settings.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "AUTO_APPROVE": True,
        "FLOOD_INTERVAL": 0,
        "NOTIFY_MODERATORS": False,
    }


@pytest.fixture
def article(root_page):
    return make_article(root_page)


@pytest.fixture(params=VERSIONS)
def url(request):
    return request.param


def comment(article, name="Naomi Ho", parent=None, status=APPROVED):
    return Comment.objects.create(
        page=article, parent=parent, author_name=name, body=name, status=status
    )


def post(client, url, article, parent, **fields):
    data = {"article": article.pk, "author_name": "Ann", "body": "A reply."}
    if parent is not None:
        data["parent"] = parent
    data.update(fields)
    return client.post(url, data, content_type="application/json")


def code_of(response):
    return response.json()["code"]


def test_a_reply_is_posted_with_its_parent(client, url, article):
    top = comment(article)

    response = post(client, url, article, top.pk)

    assert response.status_code == 201, response.content
    assert response.json()["parent"] == top.pk
    assert response.json()["reply_count"] == 0
    reply = Comment.objects.get(author_name="Ann")
    assert (reply.parent_id, reply.level, reply.thread_id) == (top.pk, 1, top.pk)


@pytest.mark.parametrize("status", HIDDEN)
def test_a_hidden_parent_is_answered_as_a_missing_one(client, url, article, status):
    hidden = comment(article, status=status)

    to_hidden = post(client, url, article, hidden.pk)
    to_missing = post(client, url, article, hidden.pk + 1000)

    assert to_hidden.status_code == to_missing.status_code == 404
    assert code_of(to_hidden) == code_of(to_missing) == "parent_not_found"
    hidden_body, missing_body = to_hidden.json(), to_missing.json()
    assert hidden_body == missing_body
    assert not Comment.objects.filter(author_name="Ann").exists()


def test_a_deleted_parent_is_answered_as_a_missing_one(client, url, article):
    top = comment(article)
    comment(article, "Bo", parent=top)
    top.delete()

    response = post(client, url, article, top.pk)

    assert response.status_code == 404
    assert code_of(response) == "parent_not_found"


def test_a_parent_on_another_article_is_refused(client, url, article, root_page):
    elsewhere = comment(make_article(root_page, title="Other"))

    response = post(client, url, article, elsewhere.pk)

    assert response.status_code == 409
    assert code_of(response) == "parent_other_article"
    assert not Comment.objects.filter(author_name="Ann").exists()


def test_a_reply_below_the_maximum_depth_is_refused(client, url, article):
    top = comment(article)
    deepest = comment(article, "Bo", parent=comment(article, "Cy", parent=top))

    response = post(client, url, article, deepest.pk)

    assert response.status_code == 409
    assert code_of(response) == "reply_too_deep"
    assert not Comment.objects.filter(author_name="Ann").exists()


@pytest.mark.parametrize("parent", ["abc", -1, 0, True, 1.5])
def test_a_malformed_parent_is_refused(client, url, article, parent):
    response = post(client, url, article, parent)

    assert response.status_code in (400, 422)
    assert not Comment.objects.filter(author_name="Ann").exists()


def test_items_carry_parent_and_approved_reply_count(client, url, article):
    top = comment(article)
    reply = comment(article, "Bo", parent=top)
    comment(article, "Hidden", parent=top, status=CommentStatus.PENDING)

    items = {
        item["id"]: item
        for item in client.get(url, {"article": article.pk}).json()["items"]
    }
    detail = client.get(f"{url}{top.pk}/").json()

    assert (items[top.pk]["parent"], items[top.pk]["reply_count"]) == (None, 1)
    assert (items[reply.pk]["parent"], items[reply.pk]["reply_count"]) == (top.pk, 0)
    assert detail["reply_count"] == 1


def test_the_parent_filter_lists_replies_or_top_level_comments(client, url, article):
    top = comment(article)
    reply = comment(article, "Bo", parent=top)
    other = comment(article, "Cy")

    def ids(**params):
        return [item["id"] for item in client.get(url, params).json()["items"]]

    assert ids(parent=top.pk) == [reply.pk]
    assert ids(parent="none") == [top.pk, other.pk]
    assert client.get(url, {"parent": "nope"}).status_code in (400, 422)


def test_embedded_comments_carry_parent_and_reply_count(client, article):
    top = comment(article)
    reply = comment(article, "Bo", parent=top)

    data = client.get(f"/api/v2/pages/{article.pk}/").json()

    embedded = {c["id"]: c for c in data["comments"]}
    assert (embedded[top.pk]["parent"], embedded[top.pk]["reply_count"]) == (None, 1)
    assert embedded[reply.pk]["parent"] == top.pk


def test_the_listing_etag_changes_when_a_reply_count_does(client, url, article):
    top = comment(article)
    reply = comment(article, "Bo", parent=top, status=CommentStatus.PENDING)
    params = {"article": article.pk, "parent": "none"}
    etag = client.get(url, params)["ETag"]

    Comment.objects.filter(pk=reply.pk).update(status=APPROVED)

    assert client.get(url, params, HTTP_IF_NONE_MATCH=etag).status_code == 200


def listing_queries(client, url, article):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"article": article.pk, "limit": 100})
        assert response.status_code == 200
    return len(queries)


def test_listings_cost_the_same_queries_for_200_and_2000_comments(
    client, url, article, root_page
):
    # Both fill more than a page, so both count their rows (see api.listing).
    small = make_article(root_page, title="Small")
    threaded_article(small, 200)
    threaded_article(article, 2000)

    listing_queries(client, url, small)  # warm the site cache
    assert listing_queries(client, url, article) == listing_queries(client, url, small)
