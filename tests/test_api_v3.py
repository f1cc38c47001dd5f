"""ArticlePage and reader comments in Wagtail 8's API v3: the typed OpenAPI
schema, approved-only reads, the comments router, and page writes that can
neither delete nor resurrect a reader comment."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dvt_testing import keys_in
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()
ARTICLE_TYPE = ArticlePage._meta.label

pytestmark = pytest.mark.skipif(
    WAGTAIL_VERSION < (8, 0), reason="Wagtail's API v3 needs Wagtail 8"
)

V3 = "/api/v3"
PAGES = f"{V3}/pages/"
COMMENTS = f"{V3}/comments/"
PRIVATE_KEYS = {"email", "ip_address", "user_agent", "status", "reader_comments"}
APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING


@pytest.fixture
def openapi(client):
    response = client.get(f"{V3}/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def hidden(article):
    """Private data on every comment; two hidden, as in the issue's check."""
    Comment.objects.filter(page=article).update(
        email="reader@example.org", ip_address="203.0.113.9", user_agent="Agent/7"
    )
    hidden = list(Comment.objects.filter(page=article).order_by("pk")[:2])
    for comment, status in zip(hidden, [PENDING, CommentStatus.SPAM], strict=True):
        comment.status = status
        comment.body = f"HIDDEN {status} text"
        comment.save()
    return hidden


@pytest.fixture
def editor(client, django_user_model):
    """A client authenticated with a v3 API token of a superuser."""
    from wagtail.models import APIToken

    user = django_user_model.objects.create_superuser("editor", "e@example.com", "pw")
    _token, plaintext = APIToken.create_token(user=user, name="tests")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    return client


def send(client, method, url, data=None):
    return getattr(client, method)(
        url, json.dumps(data or {}), content_type="application/json"
    )


# -- OpenAPI schema ----------------------------------------------------------


def resolve(openapi, schema):
    """Follow ``$ref`` and drop the ``| null`` that v3 adds to custom fields."""
    if "anyOf" in schema:
        [schema] = [s for s in schema["anyOf"] if s.get("type") != "null"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = openapi["components"]["schemas"][name]
    return schema


def test_article_page_has_a_typed_read_schema(openapi):
    article = openapi["components"]["schemas"]["ArticlePageSchema"]
    props = article["properties"]

    section = resolve(openapi, resolve(openapi, props["body"])["items"])
    assert section["properties"]["type"]["const"] == "section"
    value = resolve(openapi, section["properties"]["value"])
    assert {name: p["type"] for name, p in value["properties"].items()} == {
        "heading": "string",
        "anchor": "string",
        "content": "string",
        "html": "string",
    }

    comment = resolve(openapi, resolve(openapi, props["comments"])["items"])
    properties = dict(comment["properties"])
    assert properties.pop("parent")["anyOf"] == [
        {"type": "integer"},
        {"type": "null"},
    ]
    assert {name: p["type"] for name, p in properties.items()} == {
        "id": "integer",
        "author_name": "string",
        "body": "string",
        "body_html": "string",
        "posted_at": "string",
        "reply_count": "integer",
        "by_article_author": "boolean",
    }
    assert comment["properties"]["posted_at"]["format"] == "date-time"
    assert resolve(openapi, props["comment_count"]) == {"type": "integer"}
    assert resolve(openapi, props["comments_url"]) == {"type": "string"}
    assert props["author"]["type"] == "string"
    assert props["date"]["format"] == "date"


def test_comments_are_read_only_in_the_page_write_schemas(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("ArticlePageCreateSchema", "ArticlePagePatchSchema"):
        fields = set(schemas[name]["properties"])
        assert {"author", "date"} <= fields
        assert not fields & {"reader_comments", "comments", "comment_count", "body"}


def test_no_private_field_in_any_comment_schema(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("ArticleComment", "ReaderCommentSchema", "ReaderCommentCreateSchema"):
        assert not set(schemas[name]["properties"]) & (PRIVATE_KEYS - {"email"})
    assert "email" not in schemas["ReaderCommentSchema"]["properties"]
    assert "email" not in schemas["ArticleComment"]["properties"]


def test_comments_operations_are_documented(openapi):
    operations = {
        (path, method): operation["operationId"]
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }
    assert operations[(COMMENTS, "get")] == "wagtail_dvt_comments_list"
    assert operations[(COMMENTS, "post")] == "wagtail_dvt_comments_create"
    assert operations[(f"{COMMENTS}{{comment_id}}/", "get")] == (
        "wagtail_dvt_comments_detail"
    )
    responses = openapi["paths"][COMMENTS]["post"]["responses"]
    assert {"201", "202", "400", "403", "404", "409", "429"} <= set(responses)


def test_schema_discovery_lists_article_page(editor):
    response = editor.get(f"{V3}/schema/")

    detail = editor.get(f"{V3}/schema/{ARTICLE_TYPE}/").json()

    assert response.status_code == 200
    names = {item["name"] for item in response.json()["types"]}
    assert ARTICLE_TYPE in names
    assert "comments" in detail["read"]["properties"]
    assert "comments" not in detail["create"]["properties"]
    assert "reader_comments" not in detail["patch"]["properties"]


# -- Reading pages -----------------------------------------------------------


def test_detail_shows_approved_comments_only(client, article, hidden):
    response = client.get(f"{PAGES}{article.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert data["meta"]["type"] == ARTICLE_TYPE
    assert data["comment_count"] == 17
    assert len(data["comments"]) == 17
    assert not {c.pk for c in hidden} & {c["id"] for c in data["comments"]}
    assert data["comments_url"] == f"{COMMENTS}?article={article.pk}"
    assert not keys_in(data) & PRIVATE_KEYS
    for secret in ("reader@example.org", "203.0.113.9", "Agent/7", "HIDDEN"):
        assert secret not in response.content.decode()
    assert [b["value"]["anchor"] for b in data["body"]][:2] == [
        "understanding-deep-vein-thrombosis",
        "interventional-radiology-a-brief-overview",
    ]


def test_draft_version_for_an_editor_shows_approved_comments_only(
    editor, article, hidden
):
    response = editor.get(f"{PAGES}{article.pk}/", {"version": "draft"})

    assert response.status_code == 200
    assert response.json()["comment_count"] == 17
    assert "HIDDEN" not in response.content.decode()


@pytest.mark.parametrize(
    "param", ["reader_comments", "comments", "status", "email", "comment_count"]
)
def test_comment_filters_on_pages_reveal_nothing(client, article, hidden, param):
    plain = client.get(PAGES, {"type": ARTICLE_TYPE})
    answers = {
        client.get(PAGES, {"type": ARTICLE_TYPE, param: value}).content
        for value in (hidden[0].pk, hidden[1].pk, 999999, "spam", "x")
    }

    # Unknown parameters are ignored: the same answer whatever the value.
    assert answers == {plain.content}


def test_detail_query_count_does_not_grow_with_comments(client, root_page):
    page = root_page.add_child(
        instance=ArticlePage(title="Busy", author="A", date=dt.date(2024, 1, 1))
    )

    def queries():
        url = f"{PAGES}{page.pk}/"
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), response.json()

    def add(count, start):
        Comment.objects.bulk_create(
            Comment(page=page, author_name=f"R{n}", body=f"B{n}", status=APPROVED)
            for n in range(start, start + count)
        )

    add(20, 0)
    twenty, _ = queries()
    # Past the embedding cap (50), the count is a subquery of the same query.
    add(40, 20)
    sixty, _ = queries()
    add(940, 60)
    thousand, data = queries()

    assert data["comment_count"] == 1000
    assert len(data["comments"]) == 20  # The default cap.
    assert thousand == sixty == twenty


# -- The comments router -----------------------------------------------------


def test_comments_listing(client, article, hidden):
    response = client.get(COMMENTS, {"article": article.pk, "limit": 5})

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 17
    assert len(data["items"]) == 5
    first = data["items"][0]
    assert set(first) == {
        "id",
        "meta",
        "article",
        "author_name",
        "body",
        "body_html",
        "posted_at",
        "parent",
        "reply_count",
        "by_article_author",
    }
    assert first["meta"]["detail_url"] == f"http://localhost{COMMENTS}{first['id']}/"
    assert first["article"]["id"] == article.pk
    assert first["article"]["meta"]["detail_url"] == (
        f"http://localhost{PAGES}{article.pk}/"
    )
    assert not keys_in(data) & PRIVATE_KEYS
    assert "HIDDEN" not in response.content.decode()


def test_comments_listing_filters(client, article):
    newest = client.get(COMMENTS, {"order": "-posted_at", "limit": 1}).json()
    late = client.get(COMMENTS, {"posted_after": "2023-07-01"}).json()
    early = client.get(COMMENTS, {"posted_before": "2023-07-01T00:00:00Z"}).json()

    posted = sorted(Comment.objects.values_list("posted_at", flat=True))
    assert newest["items"][0]["posted_at"] == posted[-1].isoformat().replace(
        "+00:00", "Z"
    )
    cutoff = dt.datetime(2023, 7, 1, tzinfo=dt.UTC)
    assert late["count"] == sum(p >= cutoff for p in posted)
    assert early["count"] == sum(p < cutoff for p in posted)
    assert late["count"] + early["count"] == 19
    for params in (
        {"order": "status"},
        {"article": 0},
        {"article": 2**63},
        {"article": "²"},
        {"posted_after": "soon"},
        {"offset": 2**63},
    ):
        assert client.get(COMMENTS, params).status_code == 422
    # Bounds beyond what a datetime holds in UTC still work as bounds.
    for params, count in [
        ({"posted_after": "9999-12-31T23:00:00-05:00"}, 0),
        ({"posted_before": "0001-01-01T00:00:00+05:00"}, 0),
        ({"posted_before": "9999-12-31T23:00:00-05:00"}, 19),
    ]:
        assert client.get(COMMENTS, params).json()["count"] == count


def test_hidden_and_private_comments_are_not_found(client, article, hidden):
    from wagtail.models import PageViewRestriction

    missing = client.get(f"{COMMENTS}999999/")
    for comment in hidden:
        response = client.get(f"{COMMENTS}{comment.pk}/")
        assert response.status_code == missing.status_code == 404
        assert response.content == missing.content

    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )
    visible = Comment.objects.filter(page=article, status=APPROVED).first()
    assert client.get(f"{COMMENTS}{visible.pk}/").status_code == 404
    assert client.get(COMMENTS, {"article": article.pk}).json()["count"] == 0


@pytest.fixture
def quiet(settings):
    # These tests are about the comment rules: no token (see test_api_tokens.py).
    settings.WAGTAIL_DVT = {"API_COMMENTS": "open", "NOTIFY_MODERATORS": False}
    return settings


def new_comment(page, /, **fields):
    return {
        "article": page.pk,
        "author_name": "Vera Visitor",
        "body": "Posted through API v3.",
        **fields,
    }


def test_post_pending_comment_is_a_202(client, article, quiet):
    response = send(client, "post", COMMENTS, new_comment(article, email="v@x.org"))

    assert response.status_code == 202
    assert response.json() == {
        "message": "Thank you! Your comment is awaiting moderation."
    }
    comment = Comment.objects.get(author_name="Vera Visitor")
    assert (comment.status, comment.email) == (PENDING, "v@x.org")


def test_post_approved_comment_is_a_201(client, article, quiet):
    quiet.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "AUTO_APPROVE": True,
    }

    response = send(client, "post", COMMENTS, new_comment(article, email="v@x.org"))

    assert response.status_code == 201
    data = response.json()
    assert data["body"] == "Posted through API v3."
    assert "v@x.org" not in response.content.decode()
    assert response["Location"] == data["meta"]["detail_url"]
    assert client.get(data["meta"]["detail_url"]).json() == data


def test_spam_and_pending_answers_are_identical(client, article, quiet):
    quiet.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "DISALLOWED_WORDS": ["pills"],
    }
    pending = send(client, "post", COMMENTS, new_comment(article))
    spam = client.post(
        COMMENTS,
        json.dumps(new_comment(article, body="Cheap pills")),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.9",
    )

    assert spam.status_code == pending.status_code == 202
    assert spam.content == pending.content


@pytest.mark.parametrize(
    "extra",
    [{"status": "approved"}, {"ip_address": "10.0.0.1"}, {"posted_at": "2020-01-01"}],
)
def test_privileged_keys_are_refused(client, article, quiet, extra):
    response = send(client, "post", COMMENTS, new_comment(article, **extra))

    assert response.status_code == 422
    assert not Comment.objects.filter(author_name="Vera Visitor").exists()


def test_refusals(client, article, quiet, clock):
    draft = article.get_parent().add_child(
        instance=ArticlePage(title="Draft", author="A", date=dt.date(2024, 1, 1))
    )
    draft.unpublish()

    overlong = send(client, "post", COMMENTS, new_comment(article, body="x" * 5001))
    not_live = send(client, "post", COMMENTS, new_comment(draft))
    missing = send(client, "post", COMMENTS, {**new_comment(article), "article": 9999})
    first = send(client, "post", COMMENTS, new_comment(article))
    flood = send(client, "post", COMMENTS, new_comment(article, body="Again."))
    duplicate = client.post(
        COMMENTS,
        json.dumps(new_comment(article)),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.10",
    )
    # A cross-site HTML form can send JSON-looking text/plain: refused.
    text = client.post(
        COMMENTS,
        json.dumps(new_comment(article, body="As text.")),
        content_type="text/plain",
        REMOTE_ADDR="198.51.100.11",
    )

    assert overlong.status_code == 400
    assert overlong.json()["errors"][0]["loc"] == ["body", "data", "body"]
    assert not_live.status_code == missing.status_code == 404
    assert first.status_code == 202
    assert flood.status_code == 429
    assert flood["Retry-After"] == "15"
    # A duplicate of a hidden comment reads as a new one, and is not stored.
    assert (duplicate.status_code, duplicate.json()) == (202, first.json())
    assert text.status_code == 415
    assert Comment.objects.filter(author_name="Vera Visitor").count() == 1


# -- Page writes never touch reader comments ---------------------------------


def comment_ids(page):
    return set(Comment.objects.filter(page=page).values_list("pk", flat=True))


def test_create_ignores_comments_in_the_payload(editor, article):
    data = {
        "meta": {
            "type": ARTICLE_TYPE,
            "parent_id": article.get_parent().pk,
            "action": "publish",
        },
        "title": "Made by API",
        "author": "Bot",
        "date": "2024-02-03",
        "reader_comments": [{"author_name": "Fake", "body": "x", "status": "approved"}],
        "comments": [{"author_name": "Fake", "body": "y"}],
        "comment_count": 99,
    }

    response = send(editor, "post", PAGES, data)

    assert response.status_code == 201, response.content
    page = ArticlePage.objects.get(pk=response.json()["id"])
    assert (page.author, page.date) == ("Bot", dt.date(2024, 2, 3))
    assert not Comment.objects.filter(page=page).exists()
    assert response.json()["comment_count"] == 0


@pytest.mark.parametrize("publish", ["in_patch", "publish_action"])
def test_publishing_a_stale_draft_keeps_new_and_deleted_comments(
    editor, client, article, publish
):
    before = comment_ids(article)
    draft = {"title": "Edited title", "reader_comments": [], "comments": []}
    assert send(editor, "patch", f"{PAGES}{article.pk}/", draft).status_code == 200
    # After the draft revision: a visitor comments, a moderator deletes one.
    visitor = Comment.objects.create(
        page=article, author_name="Late", body="After the draft", status=APPROVED
    )
    deleted = Comment.objects.filter(page=article).order_by("pk").first().pk
    Comment.objects.filter(pk=deleted).delete()

    if publish == "in_patch":
        payload = {"meta": {"action": "publish"}, "reader_comments": []}
        response = send(editor, "patch", f"{PAGES}{article.pk}/", payload)
    else:
        url = f"{PAGES}{article.pk}/actions/publish/"
        response = send(editor, "post", url)

    assert response.status_code == 200, response.content
    article.refresh_from_db()
    assert article.title == "Edited title"
    assert comment_ids(article) == (before - {deleted}) | {visitor.pk}
    assert response.json()["comment_count"] == 19


def test_revert_and_republish_keep_comments(editor, article):
    first_revision = article.latest_revision
    second = send(editor, "patch", f"{PAGES}{article.pk}/", {"title": "Second"})
    assert second.status_code == 200, second.content
    visitor = Comment.objects.create(
        page=article, author_name="Late", body="After", status=APPROVED
    )
    deleted = Comment.objects.filter(page=article).order_by("pk").first().pk
    Comment.objects.filter(pk=deleted).delete()
    expected = comment_ids(article)

    revert = send(
        editor,
        "post",
        f"{PAGES}{article.pk}/actions/revert/",
        {"revision_id": first_revision.pk},
    )
    unpublish = send(editor, "post", f"{PAGES}{article.pk}/actions/unpublish/")
    publish = send(editor, "post", f"{PAGES}{article.pk}/actions/publish/")

    assert [revert.status_code, unpublish.status_code, publish.status_code] == [
        200,
        200,
        200,
    ]
    assert comment_ids(article) == expected
    assert visitor.pk in expected
    assert deleted not in expected


def test_copy_starts_without_comments(editor, article):
    response = send(
        editor,
        "post",
        f"{PAGES}{article.pk}/actions/copy/",
        {"slug": "copied-article", "title": "Copied"},
    )

    assert response.status_code == 201, response.content
    copy = ArticlePage.objects.get(pk=response.json()["id"])
    assert not Comment.objects.filter(page=copy).exists()
    assert len(comment_ids(article)) == 19
