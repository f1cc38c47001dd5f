"""The editor's side of ArticlePage: tabs, section blocks, preview, the comment
counts in article listings and Wagtail's admin search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from dvt_testing import make_article
from wagtail.blocks import StructBlockValidationError
from wagtail.models import Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from wagtail_dvt.admin.panels import ReaderCommentsPanel
from wagtail_dvt.blocks import SectionBlock
from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()

HEADING_MESSAGE = "Give this section a heading; readers see it in the contents."
CONTENT_MESSAGE = "Write some text for this section, or remove the section."


def article_form_data(title="Stockings after a clot", sections=None, **fields):
    """A new article's edit form, as the browser posts it."""
    sections = sections or [
        {"heading": "Why wear them", "content": "They *reduce* swelling."},
        {"heading": "How long for", "content": "Usually up to two years."},
    ]
    return nested_form_data(
        {
            "title": title,
            "slug": "stockings-after-a-clot",
            "author": "Dr. Ada Vein",
            "date": "2024-05-01",
            "body": streamfield([("section", section) for section in sections]),
            "comments": inline_formset([]),
            **fields,
        }
    )


def add_url(parent):
    return reverse(
        "wagtailadmin_pages:add",
        args=[ArticlePage._meta.app_label, ArticlePage._meta.model_name, parent.pk],
    )


@pytest.fixture
def home(db):
    return Site.objects.get(is_default_site=True).root_page.specific


# -- Tabs ---------------------------------------------------------------------


def test_editor_tabs():
    edit_handler = ArticlePage.get_edit_handler()
    tabs = {str(tab.heading): tab for tab in edit_handler.children}

    assert list(tabs) == ["Content", "Comments", "Promote", "Settings"]
    content_fields = [getattr(p, "field_name", None) for p in tabs["Content"].children]
    # A site's own article model may add panels after the article's own.
    assert content_fields[:4] == ["title", "author", "date", "body"]
    (comments_panel,) = tabs["Comments"].children
    assert isinstance(comments_panel, ReaderCommentsPanel)
    settings_fields = [
        getattr(p, "field_name", None) for p in tabs["Settings"].children
    ]
    assert "comments_open" in settings_fields


def test_the_page_form_carries_no_comment():
    form_class = ArticlePage.get_edit_handler().get_form_class()
    assert "reader_comments" not in form_class.formsets
    assert not {"author_name", "status", "email"} & set(form_class.base_fields)


def edit_html(client, page):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_comments_tab_shows_the_newest_comments_to_a_moderator(admin_client, home):
    page = ArticlePage.objects.get(pk=import_document(BUNDLED_DOCUMENT).page_id)
    Comment.objects.filter(page=page, author_name="Naomi Ho").update(
        status=CommentStatus.SPAM
    )
    newest = Comment.objects.create(
        page=page,
        author_name="Newest reader",
        body="Posted just now",
        email="newest@example.com",
        ip_address="192.0.2.77",
    )

    html = edit_html(admin_client, page)

    for tab in ("Content", "Comments", "Promote", "Settings"):
        assert f">{tab}<" in html.replace("\n", "").replace("  ", "")
    assert 'name="reader_comments-' not in html
    assert "20 comments; the newest 20 are shown." in html
    assert "Posted just now" in html
    assert ">Spam</span>" in html
    assert ">Pending</span>" in html
    edit_url = reverse("wagtail_dvt_comments:edit", args=[newest.pk])
    assert f'href="{edit_url}"' in html
    listing_url = reverse("wagtail_dvt_comments:list")
    assert f'href="{listing_url}?page={page.pk}"' in html
    assert f"{listing_url}?page={page.pk}&amp;status=pending" in html
    assert "newest@example.com" not in html
    assert "192.0.2.77" not in html


@pytest.fixture
def page_editor(db, django_user_model, home):
    """A member of Wagtail's "Editors" group: adds and edits pages, never
    publishes, does not moderate."""
    user = django_user_model.objects.create_user("page-editor", password="x")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_comments_tab_shows_only_approved_comments_to_other_editors(
    client, page_editor, home
):
    page = ArticlePage.objects.get(pk=import_document(BUNDLED_DOCUMENT).page_id)
    Comment.objects.filter(page=page, author_name="Naomi Ho").update(
        status=CommentStatus.SPAM, body="Hidden spam text"
    )
    Comment.objects.create(page=page, author_name="Pending Pat", body="Hidden text")
    client.force_login(page_editor)

    html = edit_html(client, page)

    assert "18 approved comments; the newest 18 are shown." in html
    assert "Naomi Ho" not in html
    assert "Hidden spam text" not in html
    assert "Pending Pat" not in html
    assert "w-status" not in html.split("wagtail-dvt-comments-panel", 1)[1]
    assert reverse("wagtail_dvt_comments:list") not in html
    assert "/reader-comments/edit/" not in html


def test_a_new_article_has_an_empty_comments_tab(admin_client, home):
    response = admin_client.get(add_url(home))
    assert response.status_code == 200
    assert "Readers can comment once the article is published." in (
        response.content.decode()
    )


def test_the_comments_tab_costs_the_same_with_10000_comments(
    admin_client, home, django_assert_max_num_queries
):
    few = make_article(home, "Few comments")
    many = make_article(home, "Many comments")
    bulk_comments(few, 20)
    bulk_comments(many, 10_000)
    for page in (few, many):  # Warm per-process and per-page caches.
        edit_html(admin_client, page)
    with django_assert_max_num_queries(200) as with_few:
        few_html = edit_html(admin_client, few)

    with django_assert_max_num_queries(len(with_few.captured_queries)):
        many_html = edit_html(admin_client, many)

    assert "10,000 comments; the newest 20 are shown." in many_html
    assert "Comment 9999 " in many_html
    assert "Comment 9979 " not in many_html
    assert len(many_html) < len(few_html) + 2_000


def bulk_comments(page, count):
    start = timezone.now() - dt.timedelta(days=1)
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {number}",
            body=f"Comment {number} on {page.title}",
            posted_at=start + dt.timedelta(seconds=number),
            status=CommentStatus.APPROVED if number % 3 else CommentStatus.PENDING,
        )
        for number in range(count)
    )


# -- Section blocks -------------------------------------------------------------


def test_section_block_admin_polish():
    block = SectionBlock()
    assert block.meta.icon == "doc-full"
    assert block.meta.label_format == "{heading}"
    assert block.meta.preview_value["heading"]
    # wagtail-markdown's EasyMDE editor for the content.
    widget = block.child_blocks["content"].field.widget
    assert widget.build_attrs({})["data-controller"] == "easymde"


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        ({"heading": "", "content": "Text"}, {"heading": HEADING_MESSAGE}),
        ({"heading": "  ", "content": "Text"}, {"heading": HEADING_MESSAGE}),
        ({"heading": "Summary", "content": " \n "}, {"content": CONTENT_MESSAGE}),
        (
            {"heading": "", "content": ""},
            {"heading": HEADING_MESSAGE, "content": CONTENT_MESSAGE},
        ),
    ],
)
def test_empty_heading_or_content_gets_a_friendly_message(value, messages):
    block = SectionBlock()
    with pytest.raises(StructBlockValidationError) as excinfo:
        block.clean(block.to_python(value))
    errors = {
        name: error.messages[0] for name, error in excinfo.value.block_errors.items()
    }
    assert errors == messages


def test_complete_section_is_valid():
    block = SectionBlock()
    value = block.clean(block.to_python({"heading": "Summary", "content": "Text"}))
    assert value["heading"] == "Summary"


def test_publishing_a_section_without_heading_shows_the_message(admin_client, home):
    sections = [{"heading": "", "content": "Text without a heading."}]
    data = article_form_data(sections=sections, **{"action-publish": "publish"})

    response = admin_client.post(add_url(home), data)

    assert response.status_code == 200
    assert HEADING_MESSAGE in response.content.decode()
    assert not ArticlePage.objects.filter(slug="stockings-after-a-clot").exists()


def test_a_draft_may_have_an_unfinished_section(admin_client, home):
    sections = [{"heading": "", "content": ""}]

    response = admin_client.post(add_url(home), article_form_data(sections=sections))

    assert response.status_code == 302
    page = ArticlePage.objects.get(slug="stockings-after-a-clot")
    assert not page.live


# -- Preview ----------------------------------------------------------------------


class TestPreview(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = Site.objects.get(is_default_site=True).root_page.specific
        cls.page = ArticlePage(
            title="Stockings after a clot",
            author="Dr. Ada Vein",
            date=dt.date(2024, 5, 1),
            body=[("section", {"heading": "Why", "content": "Because."})],
        )
        cls.home.add_child(instance=cls.page)

    def test_article_with_two_sections_is_previewable(self):
        data = article_form_data()
        data["slug"] = self.page.slug
        self.assertPageIsPreviewable(self.page, post_data=data)

    def test_preview_shows_the_unsaved_sections(self):
        self.login()
        data = article_form_data(
            sections=[{"heading": "Not yet saved", "content": "Draft *text*."}]
        )
        data["slug"] = self.page.slug
        preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[self.page.pk])

        self.assertEqual(self.client.post(preview_url, data).json()["is_valid"], True)
        html = self.client.get(preview_url).content.decode()

        self.assertIn("Not yet saved", html)
        self.assertIn("<em>text</em>", html)


# -- Listings and search -------------------------------------------------------------


@pytest.fixture
def article(db, home):
    return ArticlePage.objects.get(pk=import_document(BUNDLED_DOCUMENT).page_id)


def comment_cell(html, page):
    """The text of the "Comments" cell in the row of ``page``."""
    row = html[html.index(f"/admin/pages/{page.pk}/edit/") :]
    row = row[: row.index("</tr>")]
    cells = row.split("<td")
    return next(
        cell.split(">", 1)[1].split("</td>")[0].strip()
        for cell in cells
        if "dvt-comment-count" in cell.split(">", 1)[0]
    )


def test_article_listing_shows_comment_counts(admin_client, article):
    Comment.objects.create(page=article, author_name="New reader", body="Hello?")
    url = reverse(
        "wagtailadmin_pages:type_use",
        args=[ArticlePage._meta.app_label, ArticlePage._meta.model_name],
    )

    response = admin_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert ">Comments<" in html.replace("\n", "").replace(" ", "")
    assert comment_cell(html, article) == "19 (1 pending)"


def test_comment_counts_take_one_query_for_all_rows(
    admin_client, article, home, django_assert_max_num_queries
):
    url = reverse(
        "wagtailadmin_pages:type_use",
        args=[ArticlePage._meta.app_label, ArticlePage._meta.model_name],
    )
    admin_client.get(url)  # Warm per-process caches (content types, sites).
    with django_assert_max_num_queries(60) as one_article:
        admin_client.get(url)
    for number in range(5):
        home.add_child(
            instance=ArticlePage(
                title=f"Article {number}",
                author="A",
                date=dt.date(2024, 1, 1),
                body=[],
            )
        )
    with django_assert_max_num_queries(60) as six_articles:
        admin_client.get(url)
    assert len(own_queries(six_articles)) == len(own_queries(one_article))


def own_queries(context):
    """The listing's queries, without the test site's simple_translation, whose
    row buttons ask once a row whether other locales exist."""
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].startswith('SELECT 1 AS "a" FROM "wagtailcore_locale"')
    ]


def test_admin_search_finds_an_article_by_words_in_its_sections(admin_client, article):
    url = reverse("wagtailadmin_pages:search")

    found = admin_client.get(url, {"q": "thrombectomy"}).content.decode()
    not_found = admin_client.get(url, {"q": "xylophone"}).content.decode()

    edit_link = reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert edit_link in found
    assert edit_link not in not_found
