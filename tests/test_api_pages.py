"""ArticlePage's fields in Wagtail's API v2: anchors, the embedded-comments cap,
no private data, no filter oracle, and a flat query count.

``test_api_v2.py`` covers the fields' basic shape on the bundled article.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import include, path, resolve
from dvt_testing import count_queries, home_page_model, keys_in
from wagtail import urls as wagtail_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import PageViewRestriction

from wagtail_dvt.api import CommentsAPIViewSet
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)

ArticlePage = get_article_model()
ARTICLE_TYPE = ArticlePage._meta.label
HomePage = home_page_model()
Page = get_base_page_model()

PAGES = "/api/v2/pages/"
ARTICLES = {"type": ARTICLE_TYPE}
PRIVATE_KEYS = {"email", "ip_address", "user_agent", "status"}
ARTICLE_FIELDS = "author,date,body,comments,comment_count,comments_url"

# A URLconf with Wagtail's own, unchanged pages endpoint (the demo site
# registers wagtail_dvt's ArticlePagesAPIViewSet instead), for the tests marked
# ``pytest.mark.urls(__name__)``.
wagtail_router = WagtailAPIRouter("wagtailapi")
wagtail_router.register_endpoint("pages", PagesAPIViewSet)
wagtail_router.register_endpoint("comments", CommentsAPIViewSet)
urlpatterns = [path("api/v2/", wagtail_router.urls), path("", include(wagtail_urls))]


def make_article(parent, title, headings=("Introduction",), comments=0):
    page = parent.add_child(
        instance=ArticlePage(
            title=title,
            author="Ada Author",
            date=dt.date(2024, 5, 1),
            body=[
                ("section", {"heading": heading, "content": f"About {heading}."})
                for heading in headings
            ],
        )
    )
    add_comments(page, comments)
    return page


def add_comments(page, count, status=CommentStatus.APPROVED, start=0):
    first = dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {number}",
            body=f"Comment number {number}",
            posted_at=first + dt.timedelta(minutes=number),
            status=status,
        )
        for number in range(start, start + count)
    )


@pytest.fixture
def moderated(article):
    """The bundled article with private data on every comment, and four hidden."""
    Comment.objects.filter(page=article).update(
        email="reader@example.org", ip_address="203.0.113.9", user_agent="Agent/7"
    )
    hidden = list(Comment.objects.filter(page=article).order_by("pk")[:4])
    for comment, status in zip(
        hidden,
        [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED] * 2,
        strict=False,
    ):
        comment.status = status
        comment.body = f"HIDDEN {status} text {comment.pk}"
        comment.save()
    return article, hidden


# -- Section anchors ---------------------------------------------------------


def rendered_anchors(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<section class="dvt-section" id="([^"]+)"', html)


def api_anchors(client, page):
    body = client.get(f"{PAGES}{page.pk}/").json()["body"]
    return [block["value"]["anchor"] for block in body]


def test_anchors_are_the_ids_on_the_rendered_page(client, article):
    assert api_anchors(client, article) == rendered_anchors(client, article)


def test_repeated_headings_get_the_pages_unique_anchors(client, root_page):
    page = make_article(
        root_page,
        "Repeats",
        headings=["Summary", "Details", "Summary", "Summary", "!!!", "Détails"],
    )

    anchors = api_anchors(client, page)

    assert anchors == [
        "summary",
        "details",
        "summary-2",
        "summary-3",
        "section-5",
        "détails",
    ]
    assert anchors == rendered_anchors(client, page)


def test_section_html_is_rendered_and_sanitized(client, root_page):
    page = make_article(root_page, "Markup", headings=["Scripted"])
    page.body = [
        (
            "section",
            {
                "heading": "Scripted",
                "content": "**Bold** <script>alert(1)</script> "
                '<a href="javascript:alert(2)">x</a>',
            },
        )
    ]
    page.save_revision().publish()

    [block] = client.get(f"{PAGES}{page.pk}/").json()["body"]

    assert "<strong>Bold</strong>" in block["value"]["html"]
    assert "<script" not in block["value"]["html"]
    assert "javascript:" not in block["value"]["html"]
    assert "<script>" in block["value"]["content"]


# -- Embedded comments -------------------------------------------------------


def test_embedded_comments_are_capped_by_the_setting(client, root_page, settings):
    settings.WAGTAIL_DVT = {"API_EMBEDDED_COMMENTS_LIMIT": 5}
    page = make_article(root_page, "Busy", comments=12)
    add_comments(page, 3, status=CommentStatus.PENDING, start=100)

    data = client.get(f"{PAGES}{page.pk}/").json()

    assert [c["author_name"] for c in data["comments"]] == [
        f"Reader {n}" for n in range(5)
    ]
    assert data["comment_count"] == 12
    assert (
        data["comments_url"] == f"http://localhost/api/v2/comments/?article={page.pk}"
    )
    # The rest are read from there, in the same order.
    rest = client.get(data["comments_url"], {"offset": 5}).json()
    assert rest["meta"]["total_count"] == 12
    assert [c["author_name"] for c in rest["items"]] == [
        f"Reader {n}" for n in range(5, 12)
    ]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_embedded_times_read_as_the_comments_endpoints(
    client, root_page, settings, zone
):
    settings.TIME_ZONE = zone
    page = make_article(root_page, "Timely", comments=2)

    embedded = client.get(f"{PAGES}{page.pk}/").json()["comments"]
    listed = client.get("/api/v2/comments/", {"article": page.pk}).json()["items"]

    assert [c["posted_at"] for c in embedded] == [c["posted_at"] for c in listed]
    expected = "2024-05-02T00:00:00Z" if zone == "UTC" else "2024-05-02T02:00:00+02:00"
    assert embedded[0]["posted_at"] == expected


def test_a_limit_of_zero_embeds_no_comment(client, article, settings):
    settings.WAGTAIL_DVT = {"API_EMBEDDED_COMMENTS_LIMIT": 0}

    data = client.get(f"{PAGES}{article.pk}/").json()

    assert data["comments"] == []
    assert data["comment_count"] == 19


def test_listing_caps_comments_per_article(client, root_page, settings):
    settings.WAGTAIL_DVT = {"API_EMBEDDED_COMMENTS_LIMIT": 3}
    counts = {make_article(root_page, f"A{n}", comments=n).pk: n for n in range(6)}

    items = client.get(PAGES, {**ARTICLES, "fields": "*"}).json()["items"]

    assert {item["id"]: item["comment_count"] for item in items} == counts
    for item in items:
        assert len(item["comments"]) == min(3, counts[item["id"]])
        assert item["comments_url"].endswith(f"?article={item['id']}")


# -- Nothing private ---------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {**ARTICLES, "fields": "*"}, {**ARTICLES, "fields": ARTICLE_FIELDS}],
    ids=["detail", "listing-all-fields", "listing-article-fields"],
)
def test_no_private_data_or_hidden_comment(client, moderated, params):
    article, hidden = moderated
    url = PAGES if params else f"{PAGES}{article.pk}/"

    response = client.get(url, params)

    assert response.status_code == 200
    data = response.json()
    item = data["items"][0] if params else data
    assert item["comment_count"] == 15
    assert len(item["comments"]) == 15
    assert not keys_in(data) & PRIVATE_KEYS
    for secret in ["reader@example.org", "203.0.113.9", "Agent/7", "HIDDEN"]:
        assert secret not in response.content.decode()
    assert not {c.pk for c in hidden} & {c["id"] for c in item["comments"]}


@pytest.mark.parametrize(
    "params",
    [
        {"reader_comments": "{hidden}"},
        {"reader_comments__id": "{hidden}"},
        {"comments": "{hidden}"},
        {"comment_count": "19"},
        {"comments_url": "x"},
        {"status": "spam"},
        {"email": "reader@example.org"},
        {"ip_address": "203.0.113.9"},
        {"order": "comment_count"},
        {"order": "reader_comments"},
        {"fields": "reader_comments"},
        {"fields": "comments(status)"},
        {"fields": "comments(email)"},
    ],
)
def test_comment_filters_are_refused_alike_for_hidden_and_missing_ids(
    client, moderated, params
):
    # Whatever the id, the answer is the same: it reveals nothing about it.
    _article, hidden = moderated
    answers = []
    for pk in (hidden[0].pk, hidden[1].pk, 999_999):
        query = {k: v.format(hidden=pk) for k, v in params.items()}
        response = client.get(PAGES, {**ARTICLES, **query})
        answers.append((response.status_code, response.content))

    assert answers[0][0] == 400
    assert answers[0] == answers[1] == answers[2]


def test_private_article_is_not_in_the_api(client, moderated):
    article, _hidden = moderated
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    listing = client.get(PAGES, {**ARTICLES, "fields": "*"}).json()
    detail = client.get(f"{PAGES}{article.pk}/")

    assert listing["meta"]["total_count"] == 0
    assert detail.status_code == 404


# -- Query counts ------------------------------------------------------------


@pytest.mark.parametrize("fields", ["*", ARTICLE_FIELDS])
def test_listing_query_count_does_not_grow_with_its_length(client, root_page, fields):
    # One article takes the single-page path (no count query when it has
    # fewer comments than the cap); from two on, the cost is per listing.
    make_article(root_page, "First", comments=3)
    params = {**ARTICLES, "fields": fields, "limit": 20}
    one = count_queries(client, PAGES, params)
    make_article(root_page, "Second", comments=3)
    two = count_queries(client, PAGES, params)

    for number in range(18):
        make_article(root_page, f"More {number}", comments=3)
    twenty = count_queries(client, PAGES, params)

    assert client.get(PAGES, params).json()["meta"]["total_count"] == 20
    assert twenty == two
    assert one <= two


@pytest.mark.urls(__name__)
def test_article_fields_are_flat_with_wagtails_own_pages_endpoint(client, root_page):
    # Only the article fields: Wagtail's own endpoint fetches each page's
    # locale (in ?fields=*) separately, which ArticlePagesAPIViewSet avoids.
    assert resolve(PAGES).func.cls is PagesAPIViewSet
    make_article(root_page, "First", comments=3)
    make_article(root_page, "Second", comments=3)
    params = {**ARTICLES, "fields": ARTICLE_FIELDS, "limit": 20}
    two = count_queries(client, PAGES, params)

    for number in range(18):
        make_article(root_page, f"More {number}", comments=3)
    twenty = count_queries(client, PAGES, params)
    items = client.get(PAGES, params).json()["items"]

    assert twenty == two
    assert [item["comment_count"] for item in items] == [3] * 20
    assert items[0]["comments_url"].startswith("http://localhost/api/v2/comments/")


def test_article_detail_costs_one_query_more_than_a_plain_page(client, root_page):
    # The article's own row is joined to the page's; the comments take one.
    plain = root_page.add_child(instance=Page(title="Plain", slug="plain"))
    home = root_page.add_child(instance=HomePage(title="Home type", slug="home-type"))
    article = make_article(root_page, "Article", comments=3)

    plain_queries = count_queries(client, f"{PAGES}{plain.pk}/", {})
    article_queries = count_queries(client, f"{PAGES}{article.pk}/", {})

    assert article_queries == plain_queries + 1
    data = client.get(f"{PAGES}{article.pk}/").json()
    assert data["meta"]["type"] == ARTICLE_TYPE
    assert (data["author"], data["comment_count"]) == ("Ada Author", 3)
    # Other page types are fetched as Wagtail fetches them.
    other = client.get(f"{PAGES}{home.pk}/").json()
    assert other["meta"]["type"] == "home.HomePage"
    assert "author" not in other


@pytest.mark.parametrize("view", ["detail", "listing"])
def test_query_count_does_not_grow_with_comments(client, root_page, view):
    page = make_article(root_page, "Popular", comments=20)
    if view == "detail":
        url, params = f"{PAGES}{page.pk}/", {}
    else:
        url, params = PAGES, {**ARTICLES, "fields": "*"}
    twenty = count_queries(client, url, params)
    # Past the embedding cap (50), the count is a subquery of the comments'
    # query (one article here: a listing of several counts in a query of its own).
    add_comments(page, 40, start=20)
    sixty = count_queries(client, url, params)

    add_comments(page, 940, start=60)
    add_comments(page, 50, status=CommentStatus.SPAM, start=2000)
    thousand = count_queries(client, url, params)

    data = client.get(url, params).json()
    data = data["items"][0] if view == "listing" else data
    assert data["comment_count"] == 1000
    assert len(data["comments"]) == 20  # The default cap.
    assert thousand == sixty
    assert twenty == sixty
