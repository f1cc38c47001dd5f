"""The v2 comments endpoint (``wagtail_dvt.api.CommentsAPIViewSet``): reading
approved comments on public articles only, its filters, and posting."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from dvt_testing import REPO_ROOT, keys_in
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import PageViewRestriction

from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()
ARTICLE_TYPE = ArticlePage._meta.label

COMMENTS = "/api/v2/comments/"
PRIVATE_KEYS = {"email", "ip_address", "user_agent", "status"}
PUBLIC_KEYS = {
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
START = dt.datetime(2024, 5, 2, 12, 0, tzinfo=dt.UTC)


def make_article(parent, title, *, comments=(), live=True):
    """An article with ``comments``, given as ``(status, minutes after START)``."""
    page = parent.add_child(
        instance=ArticlePage(
            title=title,
            author="Ada Author",
            date=dt.date(2024, 5, 1),
            body=[("section", {"heading": "Intro", "content": "Text."})],
            live=live,
        )
    )
    for status, minutes in comments:
        Comment.objects.create(
            page=page,
            author_name=f"{title} reader {minutes}",
            body=f"{title} {status} comment at +{minutes}",
            posted_at=START + dt.timedelta(minutes=minutes),
            status=status,
            email="secret@example.org",
            ip_address="203.0.113.7",
            user_agent="SecretAgent/1.0",
        )
    return page


def listed(client, **params):
    response = client.get(COMMENTS, params)
    assert response.status_code == 200, response.content
    return response.json()


def bodies(data):
    return [item["body"] for item in data["items"]]


APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING
SPAM, REJECTED = CommentStatus.SPAM, CommentStatus.REJECTED


@pytest.fixture
def articles(root_page):
    """Public, draft and private articles, each with comments of every status."""
    statuses = [
        (APPROVED, 10),
        (PENDING, 20),
        (SPAM, 30),
        (REJECTED, 40),
        (APPROVED, 0),
    ]
    public = make_article(root_page, "Public", comments=statuses)
    other = make_article(root_page, "Other", comments=[(APPROVED, 5)])
    draft = make_article(root_page, "Draft", comments=statuses, live=False)
    private = make_article(root_page, "Private", comments=statuses)
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.LOGIN
    )
    below_private = make_article(private, "Below", comments=statuses)
    return {
        "public": public,
        "other": other,
        "draft": draft,
        "private": private,
        "below_private": below_private,
    }


# -- Reading -----------------------------------------------------------------


def test_lists_approved_comments_on_public_articles_only(client, articles):
    data = listed(client)

    assert data["meta"]["total_count"] == 3
    assert bodies(data) == [
        "Public approved comment at +0",
        "Other approved comment at +5",
        "Public approved comment at +10",
    ]


def test_items_have_public_fields_only(client, articles):
    response = client.get(COMMENTS)
    public = articles["public"]
    first = response.json()["items"][0]

    assert set(first) == PUBLIC_KEYS
    assert not keys_in(response.json()) & PRIVATE_KEYS
    for secret in (b"secret@example.org", b"203.0.113.7", b"SecretAgent"):
        assert secret not in response.content
    assert first["meta"] == {
        "type": "wagtail_dvt.Comment",
        "detail_url": f"http://localhost{COMMENTS}{first['id']}/",
        "html_url": f"http://localhost/public/#comment-{first['id']}",
    }
    assert first["article"] == {
        "id": public.pk,
        "meta": {
            "type": ARTICLE_TYPE,
            "detail_url": f"http://localhost/api/v2/pages/{public.pk}/",
            "html_url": "http://localhost/public/",
        },
        "title": "Public",
    }
    assert first["posted_at"] == "2024-05-02T12:00:00Z"


def test_login_with_session_does_not_reveal_private_articles(
    client, articles, admin_user
):
    client.force_login(admin_user)

    assert listed(client)["meta"]["total_count"] == 3


@pytest.mark.parametrize("status", [PENDING, SPAM, REJECTED])
def test_detail_of_a_hidden_comment_is_a_404_like_a_missing_one(
    client, articles, status
):
    hidden = Comment.objects.get(page=articles["public"], status=status)
    missing = client.get(f"{COMMENTS}999999/")

    response = client.get(f"{COMMENTS}{hidden.pk}/")

    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content


@pytest.mark.parametrize("article", ["draft", "private", "below_private"])
def test_comments_on_draft_and_private_articles_are_never_found(
    client, articles, article
):
    page = articles[article]
    approved = Comment.objects.get(page=page, status=APPROVED, posted_at=START)
    missing_article = listed(client, article=999999)

    by_article = listed(client, article=page.pk)

    empty = {"meta": {"total_count": 0, "next": None, "previous": None}, "items": []}
    assert by_article == missing_article == empty
    assert client.get(f"{COMMENTS}{approved.pk}/").status_code == 404
    assert client.get(COMMENTS, {"id": approved.pk}).status_code == 400
    assert client.get(f"{COMMENTS}find/", {"id": approved.pk}).status_code == 404


def test_detail_of_an_approved_comment(client, articles):
    comment = Comment.objects.get(page=articles["other"])

    data = client.get(f"{COMMENTS}{comment.pk}/").json()

    assert data["id"] == comment.pk
    assert data["body"] == comment.body
    assert set(data) == PUBLIC_KEYS


def test_find_redirects_to_the_detail(client, articles):
    comment = Comment.objects.get(page=articles["other"])

    response = client.get(f"{COMMENTS}find/", {"id": comment.pk})

    assert response.status_code == 302
    assert response["Location"].startswith(f"http://localhost{COMMENTS}{comment.pk}/")
    for bad in ("x", "²", "99999999999999999999"):
        assert client.get(f"{COMMENTS}find/", {"id": bad}).status_code == 404


def test_filter_by_article(client, articles):
    data = listed(client, article=articles["public"].pk)

    assert bodies(data) == [
        "Public approved comment at +0",
        "Public approved comment at +10",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"posted_after": "2024-05-02T12:05:00Z"}, ["Other +5", "Public +10"]),
        ({"posted_after": "2024-05-02T12:05:01Z"}, ["Public +10"]),
        ({"posted_before": "2024-05-02T12:05:00Z"}, ["Public +0"]),
        ({"posted_before": "2024-05-02T14:05:00+02:00"}, ["Public +0"]),
        ({"posted_after": "2024-05-02", "posted_before": "2024-05-03"}, ["*"]),
        ({"posted_after": "2024-05-03"}, []),
        ({"posted_before": "2024-05-02"}, []),
        ({"order": "-posted_at"}, ["Public +10", "Other +5", "Public +0"]),
        ({"order": "posted_at", "limit": 1, "offset": 1}, ["Other +5"]),
    ],
)
def test_date_filters_and_order(client, articles, params, expected):
    data = listed(client, **params)

    names = [
        f"{item['article']['title']} +{item['body'].rsplit('+', 1)[1]}"
        for item in data["items"]
    ]
    if expected == ["*"]:
        expected = ["Public +0", "Other +5", "Public +10"]
    assert names == expected


@pytest.mark.parametrize(
    "params",
    [
        {"article": "abc"},
        {"article": "0"},
        {"article": "-1"},
        {"article": "²"},
        {"article": "99999999999999999999"},
        {"posted_after": "yesterday"},
        {"posted_before": "2024-13-01"},
        {"order": "id"},
        {"order": "status"},
        {"status": "spam"},
        {"email": "secret@example.org"},
        {"ip_address": "203.0.113.7"},
        {"search": "comment"},
        {"page": "1"},
        {"fields": "email"},
        {"fields": "status"},
        {"fields": "article(status)"},
        {"limit": "1000"},
        {"offset": "99999999999999999999"},
    ],
)
def test_bad_and_private_parameters_are_refused(client, articles, params):
    response = client.get(COMMENTS, params)

    assert response.status_code == 400
    assert set(response.json()) == {"message", "code"}
    assert response.json()["code"] == "invalid_request"
    for secret in (b"secret@example.org", b"203.0.113.7", b"spam comment"):
        assert secret not in response.content


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"posted_after": "9999-12-31T23:00:00-05:00"}, 0),
        ({"posted_before": "9999-12-31T23:00:00-05:00"}, 3),
        ({"posted_before": "0001-01-01T00:00:00+05:00"}, 0),
        ({"posted_after": "0001-01-01"}, 3),
    ],
)
def test_dates_beyond_the_utc_range_are_bounds_too(client, articles, params, count):
    assert listed(client, **params)["meta"]["total_count"] == count


def test_fields_parameter_selects_fields(client, articles):
    data = listed(client, fields="_,id,body")

    assert set(data["items"][0]) == {"id", "body"}


# -- Posting -----------------------------------------------------------------


def post(client, data, **headers):
    return client.post(
        COMMENTS,
        json.dumps(data),
        content_type="application/json",
        REMOTE_ADDR=headers.pop("ip", "198.51.100.1"),
        **headers,
    )


@pytest.fixture
def comment_settings(settings):
    # These tests are about the comment rules: no token (see test_api_tokens.py).
    settings.WAGTAIL_DVT = {"API_COMMENTS": "open", "NOTIFY_MODERATORS": False}
    return settings


def new_comment(page, /, **fields):
    """A valid POST body for ``page``, with ``fields`` added or replaced."""
    return {
        "article": page.pk,
        "author_name": "Nina Newcomer",
        "body": "A thoughtful new comment.",
        **fields,
    }


def test_post_stores_a_pending_comment_and_answers_202(
    client, articles, comment_settings
):
    page = articles["public"]

    response = post(client, new_comment(page, email="nina@example.org"))

    assert response.status_code == 202
    assert response.json() == {
        "message": "Thank you! Your comment is awaiting moderation."
    }
    comment = Comment.objects.get(author_name="Nina Newcomer")
    assert comment.page_id == page.pk
    assert comment.status == PENDING
    assert comment.email == "nina@example.org"
    assert comment.ip_address == "198.51.100.1"
    assert listed(client, article=page.pk)["meta"]["total_count"] == 2


def test_spam_gets_the_same_answer_as_pending(client, articles, comment_settings):
    comment_settings.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "DISALLOWED_WORDS": ["casino"],
    }
    page = articles["public"]
    pending = post(client, new_comment(page), ip="198.51.100.2")

    spam = post(client, new_comment(page, body="Best casino bonus"), ip="198.51.100.3")

    assert spam.status_code == pending.status_code == 202
    assert spam.content == pending.content
    assert spam.headers.keys() == pending.headers.keys()
    assert Comment.objects.get(body="Best casino bonus").status == SPAM


def test_approved_comment_answers_201_with_the_comment(
    client, articles, comment_settings
):
    comment_settings.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "AUTO_APPROVE": True,
    }
    page = articles["public"]

    response = post(client, new_comment(page, email="nina@example.org"))

    assert response.status_code == 201
    data = response.json()
    comment = Comment.objects.get(author_name="Nina Newcomer")
    assert comment.status == APPROVED
    assert set(data) == PUBLIC_KEYS
    assert data["id"] == comment.pk
    assert data["body"] == "A thoughtful new comment."
    assert response["Location"] == data["meta"]["detail_url"]
    assert b"nina@example.org" not in response.content
    assert client.get(response["Location"]).json() == data


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "approved"},
        {"ip_address": "10.0.0.1"},
        {"user_agent": "x"},
        {"posted_at": "2020-01-01T00:00:00Z"},
        {"id": 1},
        {"page": 1},
    ],
)
def test_privileged_keys_are_refused(client, articles, comment_settings, extra):
    response = post(client, new_comment(articles["public"], **extra))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(extra)
    assert not Comment.objects.filter(author_name="Nina Newcomer").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"author_name": ""}, "author_name"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"author_name": "x" * 101}, "author_name"),
        ({"email": "not an email"}, "email"),
        ({"body": ["a list"]}, "body"),
        ({"author_name": "Nul\x00name"}, "author_name"),
        ({"article": "four"}, "article"),
        ({"article": 2**63}, "article"),
        ({"article": "²"}, "article"),
        ({"article": 0}, "article"),
        ({"article": True}, "article"),
        ({"article": None}, "article"),
    ],
)
def test_invalid_input_is_a_400_with_errors(
    client, articles, comment_settings, data, field
):
    response = post(client, new_comment(articles["public"], **data))

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Comment.objects.count() == 21


def test_body_must_be_a_json_object(client, articles, comment_settings):
    for body in ("[1, 2]", '"text"', "{not json"):
        response = client.post(COMMENTS, body, content_type="application/json")
        assert response.status_code == 400


def test_form_posts_are_refused(client, articles, comment_settings):
    # Only JSON: a cross-site HTML form cannot send it.
    response = client.post(COMMENTS, new_comment(articles["public"]))

    assert response.status_code == 415
    assert not Comment.objects.filter(author_name="Nina Newcomer").exists()


@pytest.mark.parametrize(
    ("article", "status"),
    [("draft", 404), ("private", 403), ("below_private", 403), ("missing", 404)],
)
def test_refused_articles(client, articles, comment_settings, article, status):
    page_id = articles[article].pk if article in articles else 999999

    response = post(client, {**new_comment(articles["public"]), "article": page_id})

    assert response.status_code == status
    assert set(response.json()) == {"message", "code"}
    assert not Comment.objects.filter(author_name="Nina Newcomer").exists()


def test_closed_comments_are_refused(client, articles, comment_settings):
    page = articles["public"]
    page.comments_open = False
    page.save_revision().publish()

    response = post(client, new_comment(page))

    assert response.status_code == 403


def test_duplicate_of_an_approved_comment_is_a_409(client, articles, comment_settings):
    page = articles["public"]
    assert post(client, new_comment(page), ip="198.51.100.4").status_code == 202
    Comment.objects.filter(author_name="Nina Newcomer").update(status=APPROVED)

    response = post(client, new_comment(page), ip="198.51.100.5")

    assert response.status_code == 409
    assert Comment.objects.filter(author_name="Nina Newcomer").count() == 1


@pytest.mark.parametrize("status", [PENDING, SPAM, REJECTED])
def test_duplicate_of_a_hidden_comment_reads_as_a_new_one(
    client, articles, comment_settings, status
):
    page = articles["public"]
    new = post(client, new_comment(page, body="Brand new."), ip="198.51.100.3")
    assert post(client, new_comment(page), ip="198.51.100.4").status_code == 202
    Comment.objects.filter(body="A thoughtful new comment.").update(status=status)

    # Case, width and a zero-width space do not make it new.
    repeat = new_comment(
        page, author_name="NINA NEWCOMER", body="A thoughtful\u200b ｎｅｗ comment."
    )
    response = post(client, repeat, ip="198.51.100.5")

    assert (response.status_code, response.content) == (new.status_code, new.content)
    assert Comment.objects.filter(body="A thoughtful new comment.").count() == 1
    assert Comment.objects.filter(author_name="NINA NEWCOMER").count() == 0


def test_flood_is_a_429_with_retry_after(client, articles, comment_settings, clock):
    page = articles["public"]
    assert post(client, new_comment(page)).status_code == 202

    response = post(client, new_comment(page, body="And another thing."))

    assert response.status_code == 429
    assert response["Retry-After"] == "15"
    assert Comment.objects.filter(author_name="Nina Newcomer").count() == 1


def test_markup_is_stored_and_returned_as_text(client, articles, comment_settings):
    comment_settings.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "AUTO_APPROVE": True,
    }
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    response = post(
        client, new_comment(articles["public"], author_name=payload, body=payload)
    )

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["body"] == payload
    assert response.json()["author_name"] == payload


# -- Posting: limits that fail closed -------------------------------------------

needs_v3 = pytest.mark.skipif(
    WAGTAIL_VERSION < (8, 0), reason="Wagtail's API v3 needs Wagtail 8"
)
BOTH_APIS = [
    pytest.param(COMMENTS, id="v2"),
    pytest.param("/api/v3/comments/", id="v3", marks=needs_v3),
]


def post_json(client, api, body, **meta):
    """POST ``body`` as JSON to ``api`` (v2 or v3), with request ``meta``."""
    return client.post(api, json.dumps(body), content_type="application/json", **meta)


@pytest.fixture
def second_site(root_page):
    """Site B, on its own tree, at b.localhost; the default Site is A."""
    from dvt_testing import home_page_model
    from wagtail.models import Site

    from wagtail_dvt.models import get_base_page_model

    home = (
        get_base_page_model()
        .get_first_root_node()
        .add_child(instance=home_page_model()(title="B home", slug="b-home"))
    )
    Site.objects.create(hostname="b.localhost", port=80, root_page=home)
    return home


@pytest.mark.parametrize("api", BOTH_APIS)
def test_a_host_takes_comments_for_its_own_sites_articles_only(
    client, articles, comment_settings, second_site, api
):
    site_a_article = articles["public"]
    site_b_article = make_article(second_site, "On B")

    refused = post_json(
        client, api, new_comment(site_a_article), HTTP_HOST="b.localhost"
    )

    assert refused.status_code == 404, refused.content
    assert refused.json()["code"] == "article_not_found"
    assert not Comment.objects.filter(author_name="Nina Newcomer").exists()
    accepted = post_json(
        client, api, new_comment(site_b_article), HTTP_HOST="b.localhost"
    )
    assert accepted.status_code == 202, accepted.content
    assert Comment.objects.get(author_name="Nina Newcomer").page_id == site_b_article.pk


@pytest.mark.parametrize("api", BOTH_APIS)
def test_a_repeat_of_a_hidden_comment_starts_the_flood_interval(
    client, articles, comment_settings, api
):
    """What follows a repeat is what follows a new comment: a 429."""
    page = articles["public"]
    assert post(client, new_comment(page), ip="198.51.100.4").status_code == 202
    Comment.objects.filter(author_name="Nina Newcomer").update(status=SPAM)

    repeat = post_json(client, api, new_comment(page), REMOTE_ADDR="198.51.100.5")
    following = post_json(
        client, api, new_comment(page, body="Brand new."), REMOTE_ADDR="198.51.100.5"
    )

    assert repeat.status_code == 202
    assert following.status_code == 429
    assert Comment.objects.filter(author_name="Nina Newcomer").count() == 1


@pytest.mark.parametrize("api", BOTH_APIS)
def test_an_unknown_address_counts_as_one_shared_client(
    client, articles, comment_settings, api
):
    page = articles["public"]

    def post_unknown(body):
        return post_json(client, api, new_comment(page, body=body), REMOTE_ADDR="")

    assert post_unknown("First.").status_code == 202
    response = post_unknown("Second.")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 15
    assert list(
        Comment.objects.filter(author_name="Nina Newcomer").values_list(
            "ip_address", flat=True
        )
    ) == [None]


@pytest.mark.parametrize("api", BOTH_APIS)
def test_an_error_reply_stays_small_whatever_was_sent(
    client, articles, comment_settings, settings, api
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
    body = new_comment(articles["public"])
    body.update({f"unknown-{number:06d}": "x" * 8 for number in range(60_000)})
    body["k" * 100_000] = "a long key"
    sent = json.dumps(body)
    assert len(sent) > 1_700_000

    response = client.post(api, sent, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert len(response.content) < 4_000, len(response.content)
    data = response.json()
    assert data["code"] in {"invalid_comment", "invalid_request"}
    assert "unknown-000000" in response.content.decode()  # the first are named
    assert not Comment.objects.filter(author_name="Nina Newcomer").exists()


# The Next.js route of docs/api.md ("Behind a server-side proxy"), served by
# Node with the few helpers of Next.js's API routes it uses.
NEXT_JS_HARNESS = """
import http from "node:http";
import handler from "./route.mjs";

const server = http.createServer(async (req, res) => {
  let text = "";
  for await (const chunk of req) text += chunk;
  req.body = JSON.parse(text);
  res.status = (code) => { res.statusCode = code; return res; };
  res.send = (body) => res.end(body);
  await handler(req, res);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
"""


def documented_next_js_route():
    """The JavaScript of docs/api.md's Next.js API route, as published."""
    docs = (REPO_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    start = docs.index("// pages/api/comments.js")
    return docs[start : docs.index("```", start)]


@pytest.fixture
def next_js_front_end(tmp_path, live_server):
    """The documented Next.js route, in Node, posting to a live Django."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js to run the documented Next.js route")
    (tmp_path / "route.mjs").write_text(documented_next_js_route())
    (tmp_path / "server.mjs").write_text(NEXT_JS_HARNESS)
    process = subprocess.Popen(  # noqa: S603 - Node, on our own files
        [node, str(tmp_path / "server.mjs")],
        env={**os.environ, "WAGTAIL_API": f"{live_server.url}/api/v2"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


# The live server reads committed data: commit for real, and restore the
# migrations' Site and pages afterwards for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_next_js_recipe_keeps_a_forged_address_out(
    root_page, settings, next_js_front_end
):
    settings.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "TRUSTED_PROXY_COUNT": 1,
    }
    page = make_article(root_page, "Behind Next.js")

    def reader_posts(body, forged_address):
        request = urllib.request.Request(  # noqa: S310 - our own local server
            next_js_front_end,
            data=json.dumps(new_comment(page, body=body)).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Forwarded-For": forged_address,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert reader_posts("First.", "6.6.6.6") == 202
    # A new forged address each time does not make a new reader.
    assert reader_posts("Second.", "7.7.7.7") == 429
    assert list(Comment.objects.values_list("body", "ip_address")) == [
        ("First.", "127.0.0.1")
    ]
