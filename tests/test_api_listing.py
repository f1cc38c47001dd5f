"""The comments listing's fast path (``wagtail_dvt.api.listing``), v2 and v3.

It must give what the serializers give, keep every privacy rule, and cost a
flat, pinned number of queries however many comments an article has.
"""

from __future__ import annotations

import datetime as dt

import pytest
from dvt_testing import count_queries
from test_api_comments import APPROVED, PENDING, START, make_article
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import PageViewRestriction

from wagtail_dvt.models import Comment, CommentStatus

V2 = "/api/v2/comments/"
V3 = "/api/v3/comments/"
needs_v3 = pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="API v3 is Wagtail 8+")


def add_comments(page, count):
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {number}",
            body=f"Comment {number} <b>bold</b>, see https://example.org/{number}",
            posted_at=START + dt.timedelta(minutes=number),
            status=CommentStatus.APPROVED,
        )
        for number in range(count)
    )


@pytest.fixture
def article(root_page):
    return make_article(root_page, "Crowded", comments=[(PENDING, 1)])


@pytest.mark.parametrize(
    "url", [V2, pytest.param(V3, marks=needs_v3)], ids=["v2", "v3"]
)
def test_listing_costs_four_queries_at_most_however_many_comments(client, article, url):
    params = {"article": article.pk}
    add_comments(article, 3)
    one_page = count_queries(client, url, params)
    add_comments(article, 60)
    many = count_queries(client, url, params)

    # The article's last change (the validators), the Site of the request,
    # then the rows (visibility included); a count only when the rows fill
    # the page.
    assert one_page == 3
    assert many == count_queries(client, url, {"offset": 40, **params}) == 4
    # All articles at once, too.
    assert count_queries(client, url, {}) == 4


@pytest.mark.parametrize(
    "url", [V2, pytest.param(V3, marks=needs_v3)], ids=["v2", "v3"]
)
def test_a_page_past_the_end_counts(client, article, url):
    add_comments(article, 3)
    params = {"article": article.pk, "offset": 10}

    assert count_queries(client, url, params) == 4
    data = client.get(url, params).json()
    count = data["meta"]["total_count"] if url == V2 else data["count"]
    assert count == 3
    assert data["items"] == []


def test_v2_items_are_what_the_serializers_give(client, article, root_page):
    add_comments(article, 3)
    add_comments(make_article(root_page, "Second"), 2)

    fast = client.get(V2).json()["items"]
    # ``?fields=`` goes through Wagtail's serializers; ``*`` names them all.
    serialized = client.get(V2, {"fields": "*"}).json()["items"]

    assert len(fast) == 5
    assert fast == serialized


def test_v2_items_match_the_detail_view(client, article):
    add_comments(article, 2)

    for item in client.get(V2, {"article": article.pk}).json()["items"]:
        assert client.get(item["meta"]["detail_url"]).json() == item


@needs_v3
def test_v3_items_match_the_schema_validated_detail(client, article):
    add_comments(article, 2)

    data = client.get(V3, {"article": article.pk}).json()
    assert data["count"] == 2
    for item in data["items"]:
        assert client.get(f"{V3}{item['id']}/").json() == item


@pytest.mark.parametrize(
    "url", [V2, pytest.param(V3, marks=needs_v3)], ids=["v2", "v3"]
)
def test_body_html_is_escaped_as_the_page_shows_it(client, article, url):
    add_comments(article, 1)
    comment = Comment.objects.get(page=article, status=APPROVED)

    (item,) = client.get(url, {"article": article.pk}).json()["items"]

    assert item["body_html"] == str(comment.body_html())
    assert "&lt;b&gt;bold&lt;/b&gt;" in item["body_html"]
    assert (
        'rel="nofollow ugc noopener" href="https://example.org/0"'
        in (item["body_html"])
    )


@pytest.mark.parametrize(
    "url", [V2, pytest.param(V3, marks=needs_v3)], ids=["v2", "v3"]
)
def test_hidden_articles_list_nothing_and_cost_the_same(
    client, root_page, article, url
):
    """Draft, restricted and below-restricted articles look like empty ones."""
    add_comments(article, 2)
    draft = make_article(root_page, "Draft", comments=[(APPROVED, 1)], live=False)
    private = make_article(root_page, "Private", comments=[(APPROVED, 1)])
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    below = make_article(private, "Below", comments=[(APPROVED, 1)])
    empty = make_article(root_page, "Empty")

    answers = {}
    for page in (draft, private, below, empty, 10**9):
        article_id = getattr(page, "pk", page)
        response = client.get(url, {"article": article_id})
        data = response.json()
        answers[article_id] = (response.status_code, data["items"])
    assert all(answer == (200, []) for answer in answers.values()), answers
    listed = client.get(url).json()["items"]
    assert {item["article"]["id"] for item in listed} == {article.pk}


def test_v2_meta_links_to_the_next_and_previous_pages(client, article):
    add_comments(article, 5)

    first = client.get(V2, {"article": article.pk, "limit": 2}).json()["meta"]
    assert first["total_count"] == 5
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [item["author_name"] for item in second["items"]] == [
        "Reader 2",
        "Reader 3",
    ]
    assert second["meta"]["previous"].startswith("http://localhost/api/v2/comments/?")
    last = client.get(second["meta"]["next"]).json()
    assert [item["author_name"] for item in last["items"]] == ["Reader 4"]
    assert last["meta"]["next"] is None


def test_v2_listing_is_compact_json_and_browsable_api_indents(client, article):
    add_comments(article, 2)

    compact = client.get(V2, {"article": article.pk})
    browsable = client.get(V2, {"article": article.pk, "format": "api"})

    assert compact["Content-Type"] == "application/json"
    assert b"\n" not in compact.content
    assert b'"total_count":2,' in compact.content
    assert browsable.status_code == 200
    assert "&quot;total_count&quot;: 2," in browsable.content.decode()


@pytest.fixture
def second_site_article(db):
    """A live article with one approved comment on a second Site, b.localhost."""
    from dvt_testing import home_page_model
    from wagtail.models import Site

    from wagtail_dvt.models import get_base_page_model

    home = (
        get_base_page_model()
        .get_first_root_node()
        .add_child(instance=home_page_model()(title="B home", slug="b-home"))
    )
    Site.objects.create(hostname="b.localhost", port=80, root_page=home)
    return make_article(home, "Elsewhere", comments=[(APPROVED, 1)])


@pytest.mark.parametrize(
    "url", [V2, pytest.param(V3, marks=needs_v3)], ids=["v2", "v3"]
)
def test_each_site_lists_only_its_own_comments(
    client, article, second_site_article, url
):
    """A second Site's comments never leak into this Site's listing or detail."""
    add_comments(article, 1)
    theirs = Comment.objects.get(page=second_site_article)
    ours = Comment.objects.get(page=article, status=APPROVED)

    here = client.get(url).json()["items"]
    there = client.get(url, HTTP_HOST="b.localhost").json()["items"]
    by_id = client.get(url, {"article": second_site_article.pk}).json()["items"]

    assert [item["id"] for item in here] == [ours.pk]
    assert [item["id"] for item in there] == [theirs.pk]
    assert by_id == []
    assert client.get(f"{url}{theirs.pk}/").status_code == 404
    assert client.get(f"{url}{theirs.pk}/", HTTP_HOST="b.localhost").status_code == 200


@pytest.mark.parametrize(
    "url", [V2, pytest.param(V3, marks=needs_v3)], ids=["v2", "v3"]
)
def test_a_site_lists_the_comments_of_its_translations_trees_too(
    client, settings, root_page, url
):
    """With ``WAGTAIL_I18N_ENABLED``, a Site serves its root page's translations.

    The English and the French trees are both this Site's; a tree that is no
    translation of its root is not.
    """
    from wagtail.models import Locale

    from wagtail_dvt.models import get_base_page_model

    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "French")]
    french = Locale.objects.create(language_code="fr")
    french_home = root_page.copy_for_translation(french)
    french_home.save_revision().publish()
    english = make_article(root_page, "English", comments=[(APPROVED, 1)])
    in_french = make_article(french_home, "Français", comments=[(APPROVED, 2)])
    # A tree beside the Site's, under Wagtail's root: no Site serves it.
    orphan_home = (
        get_base_page_model()
        .get_first_root_node()
        .add_child(instance=type(root_page)(title="Orphan", slug="orphan"))
    )
    make_article(orphan_home, "Orphaned", comments=[(APPROVED, 3)])

    listed = client.get(url).json()["items"]

    assert [item["article"]["id"] for item in listed] == [english.pk, in_french.pk]
    del settings.WAGTAIL_I18N_ENABLED  # unset, as by default: no translations
    listed = client.get(url).json()["items"]
    assert [item["article"]["id"] for item in listed] == [english.pk]


def test_v2_serialized_items_cost_the_same_however_many(client, article):
    """``?fields=`` serializes each comment with its article: read in the
    listing's own query, not once per comment."""
    add_comments(article, 2)
    params = {"fields": "*", "article": article.pk}
    few = count_queries(client, V2, params)
    add_comments(article, 10)

    assert count_queries(client, V2, params) == few
