"""The editor's side of ArticlePage: tabs, section blocks, preview, the comment
counts in article listings and Wagtail's admin search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from wagtail.admin.panels import InlinePanel
from wagtail.blocks import StructBlockValidationError
from wagtail.models import Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

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
            "reader_comments": inline_formset([]),
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
    assert isinstance(comments_panel, InlinePanel)
    assert comments_panel.relation_name == "reader_comments"
    settings_fields = [
        getattr(p, "field_name", None) for p in tabs["Settings"].children
    ]
    assert "comments_open" in settings_fields


def test_comments_tab_shows_each_comment_with_its_status(admin_client, home):
    page = ArticlePage.objects.get(pk=import_document(BUNDLED_DOCUMENT).page_id)
    Comment.objects.filter(page=page, author_name="Naomi Ho").update(
        status=CommentStatus.SPAM
    )

    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))

    html = response.content.decode()
    for tab in ("Content", "Comments", "Promote", "Settings"):
        assert f">{tab}<" in html.replace("\n", "").replace("  ", "")
    assert html.count('name="reader_comments-') > 19
    assert 'name="reader_comments-0-status"' in html
    assert '<option value="spam" selected>' in html


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
    with django_assert_max_num_queries(len(one_article.captured_queries)):
        admin_client.get(url)


def test_admin_search_finds_an_article_by_words_in_its_sections(admin_client, article):
    url = reverse("wagtailadmin_pages:search")

    found = admin_client.get(url, {"q": "thrombectomy"}).content.decode()
    not_found = admin_client.get(url, {"q": "xylophone"}).content.decode()

    edit_link = reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert edit_link in found
    assert edit_link not in not_found
