"""The reader page for search engines and feed readers (issue 21).

The meta description the importer makes, the schema.org JSON-LD (page and
API), Open Graph tags, the RSS and Atom feeds and the sitemap's dates, each
parsed as its consumer reads it: JSON, feedparser, XML.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import feedparser
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from dvt_testing import BUNDLED_TITLE, count_queries, make_article
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import PageViewRestriction, Site

from wagtail_dvt.importer import import_document
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)
from wagtail_dvt.seo.description import MAX_LENGTH, describe, truncate_at_word

ArticlePage = get_article_model()
pytestmark = pytest.mark.django_db

#: What a comment could say to break out of the page's JSON-LD script.
SCRIPT_BREAKER = '</script><script>alert("x")</script><!-- & -->'


class HeadParser(HTMLParser):
    """The ``<meta>``, ``<link>`` and JSON-LD ``<script>`` elements of a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld = {}, [], []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def parse_page(html: str) -> HeadParser:
    parser = HeadParser()
    parser.feed(html)
    return parser


def json_ld(html: str) -> dict:
    (script,) = parse_page(html).json_ld
    return json.loads(script)


def add_comment(page, body="A fine article.", status=CommentStatus.APPROVED, **kw):
    kw.setdefault("author_name", "Reader")
    kw.setdefault("posted_at", timezone.now())
    return Comment.objects.create(page=page, body=body, status=status, **kw)


# -- The meta description ----------------------------------------------------


def test_describe_removes_markdown_and_keeps_the_words():
    markdown = (
        "**Clots** form in [deep veins](https://example.com/) and `legs`.\n\n*Act*."
    )
    assert describe(markdown) == "Clots form in deep veins and legs. Act."


def test_a_long_text_is_cut_at_a_word_boundary_within_160_characters():
    words = "thrombosis " * 40
    description = truncate_at_word(words.strip())
    assert len(description) <= MAX_LENGTH
    assert description.endswith("thrombosis…")
    assert truncate_at_word("short text") == "short text"
    assert len(truncate_at_word("x" * 400)) == MAX_LENGTH


def test_the_import_fills_the_description_from_the_first_section(
    article, bundled_document
):
    description = article.search_description
    first = " ".join(bundled_document.sections[0].paragraphs[0].split())
    assert 0 < len(description) <= MAX_LENGTH
    assert description.endswith("…")
    assert first.startswith(description[:-1].rstrip())
    assert not re.search(r"[*_`#\[\]]", description)


@pytest.mark.parametrize(
    "editors, expected",
    [
        # An editor's words survive even a re-import that overwrites content.
        ("Our editor's own words.", "Our editor's own words."),
        # An empty description is filled from the new first section.
        ("", "Before we dive into"),
    ],
)
def test_a_reimport_fills_only_an_empty_description(
    article, bundled_text, tmp_path, editors, expected
):
    article.search_description = editors
    article.save_revision().publish()
    changed = tmp_path / "changed.txt"
    changed.write_text(bundled_text.replace("Before we delve", "Before we dive"))

    import_document(changed, overwrite=True)

    article.refresh_from_db()
    assert "Before we dive" in article.body[0].value["content"]
    assert article.search_description.startswith(expected)


def test_the_page_prints_the_description(client, article):
    parsed = parse_page(client.get(article.url).content.decode())
    assert parsed.meta["description"] == article.search_description


# -- Structured data ---------------------------------------------------------


def test_the_page_embeds_a_blog_posting_with_its_comments(client, article):
    data = json_ld(client.get(article.url).content.decode())
    url = article.get_full_url()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == BUNDLED_TITLE
    assert data["datePublished"] == "2023-06-27"
    assert dt.datetime.fromisoformat(data["dateModified"]) == article.last_published_at
    assert data["author"] == {"@type": "Person", "name": "Hamish Negi"}
    assert data["description"] == article.search_description
    assert data["url"] == url
    assert data["inLanguage"] == "en"
    assert data["commentCount"] == 19
    assert len(data["comment"]) == 19
    first = Comment.objects.filter(page=article).order_by("posted_at", "pk").first()
    assert data["comment"][0] == {
        "@type": "Comment",
        "@id": f"{url}#comment-{first.pk}",
        "url": f"{url}#comment-{first.pk}",
        "author": {"@type": "Person", "name": first.author_name},
        "dateCreated": first.posted_at.isoformat(),
        "text": first.body,
    }


def test_only_approved_comments_of_the_page_shown_are_listed(client, article):
    hidden = add_comment(article, "Held for moderation", CommentStatus.PENDING)
    spam = add_comment(article, "Buy pills", CommentStatus.SPAM)
    with override_settings(WAGTAIL_DVT={"COMMENTS_PER_PAGE": 5}):
        first = json_ld(client.get(article.url).content.decode())
        second = json_ld(client.get(article.url, {"comments_page": 2}).content.decode())
    approved = list(Comment.objects.filter(page=article, status=CommentStatus.APPROVED))
    assert first["commentCount"] == second["commentCount"] == 19
    assert [c["text"] for c in first["comment"]] == [c.body for c in approved[:5]]
    assert [c["text"] for c in second["comment"]] == [c.body for c in approved[5:10]]
    assert second["comment"][0]["url"] == (
        f"{article.get_full_url()}?comments_page=2#comment-{approved[5].pk}"
    )
    texts = {c["text"] for c in first["comment"] + second["comment"]}
    assert hidden.body not in texts and spam.body not in texts


def test_no_comment_can_end_the_json_ld_script(client, article):
    Comment.objects.filter(page=article).delete()
    add_comment(article, SCRIPT_BREAKER, author_name="</script>")
    html = client.get(article.url).content.decode()
    script = html[html.index("application/ld+json") :]
    script = script[: script.index("</script>")]
    assert "<" not in script.split(">", 1)[1]
    data = json_ld(html)
    assert data["comment"][0]["text"] == SCRIPT_BREAKER
    assert data["comment"][0]["author"]["name"] == "</script>"


def test_the_page_costs_no_query_per_comment(client, root_page):
    few, many = make_article(root_page, "Few"), make_article(root_page, "Many")
    for _ in range(2):
        add_comment(few)
    for _ in range(40):
        add_comment(many)
    assert count_queries(client, few.url, {}) == count_queries(client, many.url, {})


def test_v2_gives_structured_data_only_when_asked(client, article):
    url = f"/api/v2/pages/{article.pk}/"
    assert "structured_data" not in client.get(url).json()
    starred = client.get(url, {"fields": "*"}).json()
    assert "structured_data" not in starred
    asked = client.get(url, {"fields": "structured_data"}).json()
    assert asked["structured_data"]["@type"] == "BlogPosting"
    assert asked["structured_data"]["commentCount"] == 19
    assert len(asked["structured_data"]["comment"]) == 19
    both = client.get(url, {"fields": "title,structured_data"}).json()
    assert both["structured_data"] == asked["structured_data"]
    assert "structured_data" not in client.get(url, {"fields": "*,-title"}).json()


def test_v2_listings_are_unchanged_unless_asked(client, article, root_page):
    listing = "/api/v2/pages/"
    params = {"type": ArticlePage._meta.label, "fields": "*"}
    (item,) = client.get(listing, params).json()["items"]
    assert "structured_data" not in item
    # Plain pages know no such field: "*" must not name it for them.
    assert client.get(listing, {"fields": "*"}).status_code == 200
    params["fields"] = "structured_data"
    (item,) = client.get(listing, params).json()["items"]
    assert item["structured_data"]["headline"] == BUNDLED_TITLE


def test_v2_structured_data_costs_no_query_with_the_default_settings(client, article):
    url = f"/api/v2/pages/{article.pk}/"
    plain = count_queries(client, url, {"fields": "comments"})
    assert count_queries(client, url, {"fields": "comments,structured_data"}) == plain


def test_the_apis_structured_data_follows_an_edited_comment(client, article):
    # Built once per change of the article: an edit is a change.
    url = f"/api/v2/pages/{article.pk}/"
    first = client.get(url, {"fields": "structured_data"}).json()["structured_data"]
    comment = Comment.objects.filter(page=article, status="approved").first()
    comment.body = "Edited by a moderator."
    comment.save()

    again = client.get(url, {"fields": "structured_data"}).json()["structured_data"]

    assert "Edited by a moderator." not in json.dumps(first)
    assert "Edited by a moderator." in [item["text"] for item in again["comment"]]


def test_the_apis_structured_data_lists_the_embedded_comments(client, article):
    """Its ``comment`` list is what the API embeds, however many the page
    shows; ``commentCount`` is the total, on both."""
    settings = {"API_EMBEDDED_COMMENTS_LIMIT": 3, "COMMENTS_PER_PAGE": 10}
    with override_settings(WAGTAIL_DVT=settings):
        data = client.get(
            f"/api/v2/pages/{article.pk}/", {"fields": "comments,structured_data"}
        ).json()
        page = json_ld(client.get(article.url).content.decode())
    embedded_urls = [f"{page['url']}#comment-{c['id']}" for c in data["comments"]]
    assert len(embedded_urls) == 3
    assert [c["url"] for c in data["structured_data"]["comment"]] == embedded_urls
    assert [c["url"] for c in page["comment"]][:3] == embedded_urls
    assert len(page["comment"]) == 10
    assert data["structured_data"]["commentCount"] == page["commentCount"] == 19


@pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="API v3 is Wagtail 8's")
def test_v3_detail_gives_structured_data_as_the_page_does(client, article):
    page = json_ld(client.get(article.url).content.decode())
    data = client.get(f"/api/v3/pages/{article.pk}/").json()
    assert data["structured_data"]["@type"] == "BlogPosting"
    assert data["structured_data"]["url"] == page["url"]
    assert [c["url"] for c in data["structured_data"]["comment"]] == [
        c["url"] for c in page["comment"]
    ]
    listing = client.get("/api/v3/pages/", {"type": ArticlePage._meta.label}).json()
    assert all("structured_data" not in item for item in listing["items"])


# -- Open Graph and feed discovery --------------------------------------------


def test_the_head_tag_gives_open_graph_and_twitter_tags(client, article):
    meta = parse_page(client.get(article.url).content.decode()).meta
    assert meta["og:type"] == "article"
    assert meta["og:title"] == BUNDLED_TITLE
    assert meta["og:description"] == article.search_description
    assert meta["og:url"] == article.get_full_url()
    assert meta["article:published_time"] == "2023-06-27"
    assert meta["article:author"] == "Hamish Negi"
    assert meta["twitter:card"] == "summary"


def test_the_head_tag_describes_other_pages_as_websites(client, root_page):
    meta = parse_page(client.get(root_page.url).content.decode()).meta
    assert meta["og:type"] == "website"
    assert "article:author" not in meta


def test_the_article_links_its_feeds_in_the_head(client, article):
    html = client.get(article.url).content.decode()
    head = html[: html.index("</head>")]
    feeds = {
        link["href"]: link["type"]
        for link in parse_page(head).links
        if link.get("rel") == "alternate"
    }
    assert feeds == {
        article.get_full_url() + "comments/feed/": "application/rss+xml",
        "/feeds/articles/rss/": "application/rss+xml",
        "/feeds/articles/atom/": "application/atom+xml",
    }


# -- Feeds ------------------------------------------------------------------


def read_feed(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def test_the_comments_feed_lists_approved_comments_without_private_data(
    client, article
):
    add_comment(
        article,
        "Pending words",
        CommentStatus.PENDING,
        email="hidden@example.com",
        ip_address="203.0.113.9",
    )
    add_comment(
        article, "Newest words", email="shown@example.com", ip_address="203.0.113.7"
    )
    response = client.get(article.url + "comments/feed/")
    raw = response.content.decode()
    feed = read_feed(client, article.url + "comments/feed/")

    assert feed.version == "rss20"
    assert feed.feed.title == f"Comments on “{BUNDLED_TITLE}”"
    assert len(feed.entries) == 20
    newest = Comment.objects.get(body="Newest words")
    assert feed.entries[0].link == f"{article.get_full_url()}#comment-{newest.pk}"
    assert feed.entries[0].author == "Reader"
    assert "Pending words" not in raw
    assert "@example.com" not in raw and "203.0.113" not in raw


@pytest.mark.parametrize("rss, atom", [("articles/rss/", "articles/atom/")])
def test_the_site_feeds_list_live_public_articles(
    client, root_page, article, rss, atom
):
    draft = make_article(root_page, "A draft")
    draft.unpublish()
    private = make_article(root_page, "A private one")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    private_alias = private.create_alias(
        parent=root_page, update_slug="alias-of-private"
    )
    public_alias = article.create_alias(parent=root_page, update_slug="alias-of-public")

    for url, version in ((rss, "rss20"), (atom, "atom10")):
        feed = read_feed(client, f"/feeds/{url}")
        assert feed.version == version
        titles = [entry.title for entry in feed.entries]
        assert sorted(titles) == sorted([BUNDLED_TITLE, BUNDLED_TITLE])
        links = {entry.link for entry in feed.entries}
        assert links == {article.get_full_url(), public_alias.get_full_url()}
        assert private_alias.get_full_url() not in links
        entry = next(e for e in feed.entries if e.link == article.get_full_url())
        assert entry.author == "Hamish Negi"
        assert entry.summary == article.search_description


def test_the_site_feed_shows_only_the_requests_site(client, root_page, article):
    home_model = type(root_page)
    other_root = (
        get_base_page_model()
        .get_first_root_node()
        .add_child(instance=home_model(title="Other site", slug="other-site"))
    )
    Site.objects.create(hostname="other.example", root_page=other_root)
    make_article(other_root, "Elsewhere")

    ours = read_feed(client, "/feeds/articles/rss/")
    assert [entry.title for entry in ours.entries] == [BUNDLED_TITLE]
    response = client.get("/feeds/articles/rss/", headers={"host": "other.example"})
    theirs = feedparser.parse(response.content)
    assert [entry.title for entry in theirs.entries] == ["Elsewhere"]


def test_an_index_feed_lists_the_articles_below_it(client, root_page, article):
    home_model = type(root_page)
    section = root_page.add_child(instance=home_model(title="Veins", slug="veins"))
    make_article(section, "Below the index")

    feed = read_feed(client, f"/feeds/{section.pk}/atom/")
    assert feed.feed.title == "Latest articles: Veins"
    assert [entry.title for entry in feed.entries] == ["Below the index"]

    PageViewRestriction.objects.create(page=section, restriction_type="login")
    assert client.get(f"/feeds/{section.pk}/atom/").status_code == 404
    assert client.get("/feeds/999999/rss/").status_code == 404


def test_no_comments_feed_for_a_draft_or_a_private_article(client, root_page):
    draft = make_article(root_page, "Unpublished")
    add_comment(draft, "Draft comment")
    draft.unpublish()
    assert client.get("/unpublished/comments/feed/").status_code == 404

    private = make_article(root_page, "Secret")
    add_comment(private, "Secret comment")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    response = client.get(private.url + "comments/feed/")
    assert b"Secret comment" not in response.content

    # Wagtail guards an alias of a private page too; the feed would list
    # nothing even if it did not (see the site feed's test).
    alias = private.create_alias(parent=root_page, update_slug="secret-alias")
    response = client.get(alias.url + "comments/feed/")
    assert b"Secret comment" not in response.content


def test_an_alias_feeds_its_source_articles_comments(client, root_page, article):
    alias = article.create_alias(parent=root_page, update_slug="mirror")
    feed = read_feed(client, alias.url + "comments/feed/")
    assert len(feed.entries) == 19


# -- Sitemap ----------------------------------------------------------------

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_lastmods(client):
    # Our own sitemap, from the test database: trusted XML.
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }


def test_the_sitemap_dates_an_article_by_its_newest_approved_comment(
    client, root_page, article
):
    ArticlePage.objects.filter(pk=article.pk).update(
        last_published_at=timezone.make_aware(dt.datetime(2024, 1, 10))
    )
    other = make_article(root_page, "Quiet")
    ArticlePage.objects.filter(pk=other.pk).update(
        last_published_at=timezone.make_aware(dt.datetime(2024, 2, 1))
    )
    url = article.get_full_url()
    assert sitemap_lastmods(client)[url] == "2024-01-10"

    add_comment(article, posted_at=timezone.make_aware(dt.datetime(2025, 3, 4, 12)))
    add_comment(
        article,
        "Not shown",
        CommentStatus.PENDING,
        posted_at=timezone.make_aware(dt.datetime(2025, 9, 9, 12)),
    )
    lastmods = sitemap_lastmods(client)
    assert lastmods[url] == "2025-03-04"
    assert lastmods[other.get_full_url()] == "2024-02-01"


def test_the_sitemap_costs_no_query_per_article(client, root_page, article):
    few = count_queries(client, "/sitemap.xml", {})
    for number in range(5):
        add_comment(make_article(root_page, f"More {number}"))
    assert count_queries(client, "/sitemap.xml", {}) <= few + 1


def test_translated_feeds_show_translated_titles(client, root_page, article):
    from wagtail.models import Locale

    bilingual = {
        "ROOT_URLCONF": "dvt_i18n_feed_urls",
        "WAGTAIL_I18N_ENABLED": True,
        "LANGUAGE_CODE": "en",
        "LANGUAGES": [("en", "English"), ("fr", "French")],
        "WAGTAIL_CONTENT_LANGUAGES": [("en", "English"), ("fr", "French")],
        "MIDDLEWARE": [
            *settings.MIDDLEWARE[:2],
            "django.middleware.locale.LocaleMiddleware",
            *settings.MIDDLEWARE[2:],
        ],
    }
    with override_settings(**bilingual):
        french = Locale.objects.create(language_code="fr")
        home = root_page.copy_for_translation(french)
        home.save_revision().publish()
        translated = article.copy_for_translation(french)
        translated.title = "Le rôle de la radiologie interventionnelle"
        translated.save_revision().publish()

        english = read_feed(client, "/en/feeds/articles/rss/")
        french_feed = read_feed(client, "/fr/feeds/articles/atom/")
    assert [entry.title for entry in english.entries] == [BUNDLED_TITLE]
    assert [entry.title for entry in french_feed.entries] == [
        "Le rôle de la radiologie interventionnelle"
    ]
    assert french_feed.feed.title.startswith("Derniers articles")
    assert unescape(french_feed.entries[0].link).endswith(f"/fr/{translated.slug}/")


def test_the_site_feed_lists_the_newest_articles_first(client, root_page):
    for title, year in (("Middle", 2022), ("Oldest", 2020), ("Newest", 2024)):
        page = make_article(root_page, title)
        ArticlePage.objects.filter(pk=page.pk).update(date=dt.date(year, 1, 1))
    with override_settings(WAGTAIL_DVT={"FEED_ITEMS": 2}):
        feed = read_feed(client, "/feeds/articles/rss/")
    assert [entry.title for entry in feed.entries] == ["Newest", "Middle"]


def test_the_feeds_cost_no_query_per_item(client, root_page, article):
    feed_url = article.url + "comments/feed/"
    few = {
        url: count_queries(client, url, {})
        for url in ("/feeds/articles/rss/", feed_url)
    }
    for number in range(5):
        make_article(root_page, f"More {number}")
        add_comment(article)
    many = {url: count_queries(client, url, {}) for url in few}
    assert many == few
