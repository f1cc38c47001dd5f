"""Tests for ArticlePage in Wagtail's v2 read API, as the demo site mounts it."""

from __future__ import annotations

import json

import pytest

from wagtail_dvt.models import CommentStatus, get_article_model

ARTICLE_TYPE = get_article_model()._meta.label

PAGES = "/api/v2/pages/"
LISTING = f"{PAGES}?type={ARTICLE_TYPE}&fields=*"
COMMENT_KEYS = {
    "id",
    "author_name",
    "body",
    "body_html",
    "posted_at",
    "parent",
    "reply_count",
    "by_article_author",
}
SECTION_KEYS = {"heading", "anchor", "content", "html"}


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response, response.json()


def detail_url(page):
    return f"{PAGES}{page.pk}/"


def hidden_text(comment) -> list[bytes]:
    """Every way a comment's name or body could appear in a JSON response."""
    found = []
    for text in (comment.author_name, comment.body):
        found.append(text.encode())
        found.append(json.dumps(text)[1:-1].encode())
    return found


@pytest.fixture
def hidden(article):
    """Two comments moderated out of view: one pending, one spam."""
    pending = article.reader_comments.get(author_name="Leslie Woods")
    pending.status = CommentStatus.PENDING
    pending.save()
    spam = article.reader_comments.get(author_name="Jennifer Brenko")
    spam.status = CommentStatus.SPAM
    spam.save()
    return [pending, spam]


def test_detail_has_article_fields(client, article, bundled_document):
    _, data = get_json(client, detail_url(article))

    assert data["meta"]["type"] == ARTICLE_TYPE
    assert data["title"] == bundled_document.title
    assert data["author"] == "Hamish Negi"
    assert data["date"] == "2023-06-27"
    assert data["comment_count"] == 19


def test_detail_body_sections(client, article, bundled_document):
    _, data = get_json(client, detail_url(article))

    sections = data["body"]
    assert [block["type"] for block in sections] == ["section"] * 8
    values = [block["value"] for block in sections]
    assert all(set(value) == SECTION_KEYS for value in values)
    assert [v["heading"] for v in values] == [
        s.heading for s in bundled_document.sections
    ]
    assert [v["content"] for v in values] == [
        s.content for s in bundled_document.sections
    ]
    assert values[0]["anchor"] == "understanding-deep-vein-thrombosis"
    assert values[1]["anchor"] == "interventional-radiology-a-brief-overview"
    assert values[-1]["anchor"] == "conclusion"
    assert values[-1]["html"].startswith("<p>To sum it up, interventional")
    assert values[-1]["html"].endswith("</p>")


def test_detail_comments_are_public_fields_only(client, article, bundled_document):
    # Private moderation data on a comment must never leave the server.
    comment = article.reader_comments.get(author_name="Naomi Ho")
    comment.email = "naomi@example.org"
    comment.ip_address = "203.0.113.9"
    comment.user_agent = "SecretBrowser/1.0"
    comment.save()

    response, data = get_json(client, detail_url(article))

    comments = data["comments"]
    assert len(comments) == 19
    assert all(set(c) == COMMENT_KEYS for c in comments)
    assert [(c["author_name"], c["body"]) for c in comments] == [
        (c.author_name, c.body) for c in bundled_document.comments
    ]
    assert comments[0]["posted_at"] == "2023-06-27T21:53:00Z"
    assert {c["id"] for c in comments} == set(
        article.reader_comments.values_list("pk", flat=True)
    )
    for private in (b"naomi@example.org", b"203.0.113.9", b"SecretBrowser"):
        assert private not in response.content


@pytest.mark.parametrize("endpoint", ["detail", "listing"])
def test_hidden_comments_are_left_out(endpoint, client, article, hidden):
    url = detail_url(article) if endpoint == "detail" else LISTING

    response, data = get_json(client, url)

    if endpoint == "listing":
        assert data["meta"]["total_count"] == 1
        [data] = data["items"]
    assert data["id"] == article.pk
    assert len(data["comments"]) == 17
    assert data["comment_count"] == 17
    hidden_ids = {comment.pk for comment in hidden}
    assert not hidden_ids & {c["id"] for c in data["comments"]}
    for comment in hidden:
        for text in hidden_text(comment):
            assert text not in response.content, text


def test_listing_has_the_article_fields(client, article):
    _, data = get_json(client, LISTING)

    [item] = data["items"]
    assert item["author"] == "Hamish Negi"
    assert item["comment_count"] == 19
    assert len(item["comments"]) == 19
    assert len(item["body"]) == 8


@pytest.mark.parametrize(
    "query",
    [
        "reader_comments={pk}",
        "status=spam",
        f"type={ARTICLE_TYPE}&reader_comments={{pk}}",
        f"type={ARTICLE_TYPE}&status=spam",
        f"type={ARTICLE_TYPE}&fields=reader_comments",
    ],
)
def test_filtering_on_moderation_data_is_rejected(query, client, article, hidden):
    response = client.get(f"{PAGES}?{query.format(pk=hidden[1].pk)}")

    assert response.status_code == 400
    for comment in hidden:
        for text in hidden_text(comment):
            assert text not in response.content


def test_draft_article_is_not_in_the_api(client, run_import):
    run_import("--draft")

    _, data = get_json(client, LISTING)

    assert data["meta"]["total_count"] == 0
    assert data["items"] == []
