"""Tests for ArticlePage as a Wagtail page: creation, routing, rendering,
editing, revisions and copies, with the bundled article imported."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from dvt_testing import (
    BUNDLED_SLUG,
    BUNDLED_TITLE,
    comment_rows,
    editor_form_data,
    forged_comment_fields,
    home_page_model,
    retitled,
)
from wagtail.models import Revision, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document, parse_document
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()
HomePage = home_page_model()

ANCHORS = [
    "understanding-deep-vein-thrombosis",
    "interventional-radiology-a-brief-overview",
    "how-interventional-radiology-helps-in-diagnosing-dvt",
    "interventional-radiology-treatments-for-dvt",
    "the-benefits-of-interventional-radiology-in-dvt-treatment",
    "post-treatment-care-and-follow-up",
    "the-future-of-interventional-radiology-in-dvt-treatment",
    "conclusion",
]


def shown_time(posted_at: dt.datetime) -> str:
    """A comment time as Django's own ``date`` filter writes it for the page.

    The document's times are naive, in ``TIME_ZONE``, as the importer reads them.
    """
    if timezone.is_naive(posted_at):
        posted_at = timezone.make_aware(posted_at)
    return date_format(timezone.localtime(posted_at), "DATETIME_FORMAT")


def own_form_data(page):
    """The page edit form as a browser would post it, with the page's own sections."""
    return editor_form_data(page, [dict(block.value) for block in page.body])


class ArticlePageTestCase(WagtailPageTestCase):
    """The bundled article, imported and published under the Site root."""

    @classmethod
    def setUpTestData(cls):
        cls.document = parse_document(BUNDLED_DOCUMENT.read_bytes())
        cls.root = Site.objects.get(is_default_site=True).root_page.specific
        result = import_document(BUNDLED_DOCUMENT)
        cls.page = ArticlePage.objects.get(pk=result.page_id)

    def get_html(self, page=None):
        page = page or self.page
        response = self.client.get(page.url)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "wagtail_dvt/article_page.html")
        return response.content.decode()

    def comment(self, author_name):
        return Comment.objects.get(page=self.page, author_name=author_name)


class TestWagtailIntegration(ArticlePageTestCase):
    def test_can_create_under_home_page(self):
        self.assertCanCreateAt(HomePage, ArticlePage)
        self.assertIsInstance(self.root, HomePage)

    def test_can_create_through_the_admin(self):
        self.login()
        data = nested_form_data(
            {
                "title": "Compression Stockings",
                "slug": "compression-stockings",
                "author": "Ada Lovelace",
                "date": "2023-09-05",
                "body": streamfield(
                    [("section", {"heading": "Why", "content": "They help."})]
                ),
                "comments": inline_formset([]),
            }
        )
        self.assertCanCreate(self.root, ArticlePage, data)

        created = ArticlePage.objects.get(slug="compression-stockings")
        self.assertTrue(created.live)
        self.assertEqual(created.body[0].value["heading"], "Why")
        self.assertEqual(created.reader_comments.count(), 0)

    def test_routable(self):
        self.assertPageIsRoutable(self.page)

    def test_renderable(self):
        self.assertPageIsRenderable(self.page)

    def test_editable(self):
        self.assertPageIsEditable(self.page, post_data=own_form_data(self.page))
        # Saving through the editor's own form keeps every comment.
        self.assertEqual(self.page.reader_comments.count(), 19)
        self.assertEqual(
            list(
                Comment.objects.filter(page=self.page)
                .order_by("posted_at")
                .values_list("body", flat=True)
            ),
            [comment.body for comment in self.document.comments],
        )

    def test_previewable(self):
        self.assertPageIsPreviewable(self.page, post_data=own_form_data(self.page))

    def test_served_at_the_slug_under_the_site_root(self):
        self.assertEqual(self.page.url, f"/{BUNDLED_SLUG}/")


class TestRendering(ArticlePageTestCase):
    def test_header(self):
        html = self.get_html()
        self.assertIn(f"<h1>{BUNDLED_TITLE}</h1>", html)
        self.assertIn('<span class="dvt-author">Hamish Negi</span>', html)
        self.assertIn('<time datetime="2023-06-27">June 27, 2023</time>', html)

    def test_table_of_contents_links_to_each_section(self):
        html = self.get_html()
        links = re.findall(r'<a href="#([^"]+)">', html)
        self.assertEqual(links, ANCHORS)
        for anchor in ANCHORS:
            self.assertEqual(html.count(f'id="{anchor}"'), 1, anchor)
        ids = re.findall(r'<section class="dvt-section" id="([^"]+)"', html)
        self.assertEqual(ids, ANCHORS)

    def test_sections_render_their_text(self):
        html = self.get_html()
        for section in self.document.sections:
            self.assertIn(f"<h2>{escape(section.heading)}</h2>", html)
            self.assertIn(escape(section.paragraphs[0][:60]), html)

    def test_every_approved_comment_with_name_and_time(self):
        html = self.get_html()
        self.assertIn("Comments (19)", html)
        self.assertEqual(html.count('<article class="dvt-comment"'), 19)
        for comment in self.document.comments:
            self.assertIn(
                f'<span class="dvt-comment-author">{escape(comment.author_name)}'
                "</span>",
                html,
            )
            self.assertIn(f">{shown_time(comment.posted_at)}</time>", html)
        # Django's English DATETIME_FORMAT, in the site's time zone (UTC).
        self.assertIn(">June 27, 2023, 9:53 p.m.</time>", html)
        # Names and times appear in document order.
        names = re.findall(r'<span class="dvt-comment-author">([^<]+)</span>', html)
        self.assertEqual(names, [escape(c.author_name) for c in self.document.comments])

    def test_multi_line_comment_keeps_its_line_breaks(self):
        first = self.document.comments[0]
        lines = first.body.split("\n")
        self.assertEqual(len(lines), 15)

        html = self.get_html()

        self.assertIn("<br>".join(escape(line) for line in lines), html)

    def test_comments_that_are_not_approved_are_hidden(self):
        pending = self.comment("Leslie Woods")
        pending.status = CommentStatus.PENDING
        pending.save()
        spam = self.comment("Jennifer Brenko")
        spam.status = CommentStatus.SPAM
        spam.save()

        html = self.get_html()

        self.assertIn("Comments (17)", html)
        self.assertEqual(html.count('<article class="dvt-comment"'), 17)
        for hidden in (pending, spam):
            self.assertNotIn(escape(hidden.author_name), html)
            self.assertNotIn(escape(hidden.body[:40]), html)
            self.assertNotIn(f'id="comment-{hidden.pk}"', html)
        self.assertIn(escape(self.comment("Naomi Ho").body), html)

    def test_comment_markup_is_escaped(self):
        script = "<script>alert(1)</script>"
        Comment.objects.create(
            page=self.page,
            author_name=script,
            body=f"Hello\n{script}",
            posted_at=dt.datetime(2023, 7, 10, 9, 0, tzinfo=dt.UTC),
            status=CommentStatus.APPROVED,
        )

        html = self.get_html()

        self.assertNotIn(script, html)
        self.assertIn(
            '<span class="dvt-comment-author">&lt;script&gt;alert(1)&lt;/script&gt;',
            html,
        )
        self.assertIn("Hello<br>&lt;script&gt;alert(1)&lt;/script&gt;", html)

    def test_section_markdown_renders_and_raw_html_is_stripped(self):
        text = BUNDLED_DOCUMENT.read_text(encoding="utf-8")
        conclusion = "To sum it up, interventional radiology"
        markdown = (
            "Some **bold** words, <script>alert(2)</script>"
            " and [a link](javascript:alert(3)) here."
        )
        result = import_document(
            retitled(text, "Markdown Article")
            .replace(conclusion, f"{markdown}\n\n{conclusion}")
            .encode(),
            name="markdown.txt",
        )
        page = ArticlePage.objects.get(pk=result.page_id)

        html = self.get_html(page)

        self.assertIn("<strong>bold</strong>", html)
        self.assertNotIn("<script>alert(2)", html)
        self.assertNotIn("alert(2)</script>", html)
        self.assertNotIn("javascript:", html)
        # The stored Markdown is kept as written; only the output is cleaned.
        self.assertIn("<script>alert(2)</script>", page.body[-1].value["content"])


class TestRevisions(ArticlePageTestCase):
    def setUp(self):
        self.first_revision = self.page.latest_revision
        # A later revision, so that the first one is an older one.
        draft = self.page.get_latest_revision_as_object()
        draft.title = "A Newer Title"
        draft.save_revision().publish()
        # After that revision: one comment posted, one deleted.
        self.posted = Comment.objects.create(
            page=self.page,
            author_name="Late Reader",
            body="Posted after both revisions.",
            posted_at=dt.datetime(2023, 8, 1, 12, 0, tzinfo=dt.UTC),
            status=CommentStatus.APPROVED,
        )
        self.deleted = self.comment("Jennifer Brenko")
        self.deleted.delete()

    def assert_comments_kept(self):
        names = set(
            Comment.objects.filter(page=self.page).values_list("author_name", flat=True)
        )
        self.assertEqual(len(names), 19)
        self.assertIn("Late Reader", names)
        self.assertNotIn("Jennifer Brenko", names)

    def test_publishing_an_older_revision_keeps_the_current_comments(self):
        self.first_revision.publish()

        self.page.refresh_from_db()
        self.assertEqual(self.page.title, BUNDLED_TITLE)
        self.assert_comments_kept()
        self.assertNotIn("Jennifer Brenko", self.get_html())
        self.assertIn("Late Reader", self.get_html())

    def test_reverting_to_an_older_revision_keeps_the_current_comments(self):
        # What the admin's "Revert to this revision" does: edit, then publish.
        old = self.first_revision.as_object()
        old.save_revision().publish()

        self.page.refresh_from_db()
        self.assertEqual(self.page.title, BUNDLED_TITLE)
        self.assertEqual(self.page.revisions.count(), 3)
        self.assert_comments_kept()

    def test_revert_through_the_admin_keeps_the_current_comments(self):
        self.login()
        revert_url = reverse(
            "wagtailadmin_pages:revisions_revert",
            args=[self.page.pk, self.first_revision.pk],
        )
        response = self.client.get(revert_url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, BUNDLED_TITLE)
        # The form shows today's comments, not those of the old revision.
        self.assertContains(response, "Late Reader")
        self.assertNotContains(response, "Jennifer Brenko")

        # Submitting it publishes the old content, as the editor's form does.
        data = own_form_data(self.first_revision.as_object())
        data["action-publish"] = "action-publish"
        edit_url = reverse("wagtailadmin_pages:edit", args=[self.page.pk])
        self.assertEqual(self.client.post(edit_url, data).status_code, 302)

        self.page.refresh_from_db()
        self.assertEqual(self.page.title, BUNDLED_TITLE)
        self.assert_comments_kept()

    def test_revisions_do_not_store_comments(self):
        content = self.page.latest_revision.content
        self.assertNotIn("reader_comments", content)
        self.assertEqual(content["title"], "A Newer Title")

    def test_revision_saved_with_comments_does_not_restore_them(self):
        # Revisions written before comments were kept out of them may still
        # carry the comments of their day, the deleted one included.
        content = dict(self.first_revision.content)
        content["reader_comments"] = [
            {
                "pk": self.deleted.pk,
                "page": self.page.pk,
                "author_name": "Jennifer Brenko",
                "body": "Restored spam",
                "posted_at": "2023-07-08T15:40:00Z",
                "status": "approved",
            }
        ]
        legacy = Revision.objects.create(
            content_object=self.page,
            base_content_type=self.page.get_content_type(),
            content=content,
        )

        legacy.publish()

        self.page.refresh_from_db()
        self.assertEqual(self.page.title, BUNDLED_TITLE)
        self.assert_comments_kept()
        self.assertFalse(Comment.objects.filter(body="Restored spam").exists())


class TestCopy(ArticlePageTestCase):
    def test_copy_has_no_comments(self):
        copy = self.page.copy(
            to=self.root,
            update_attrs={"title": "Copied Article", "slug": "copied-article"},
        )

        self.assertEqual(copy.reader_comments.count(), 0)
        self.assertEqual(self.page.reader_comments.count(), 19)
        self.assertEqual(copy.body.raw_data, self.page.body.raw_data)
        self.assertEqual(copy.author, "Hamish Negi")

        # Publishing the copy's revision brings no comments with it either.
        copy.get_latest_revision().publish()
        copy = ArticlePage.objects.get(pk=copy.pk)
        self.assertEqual(copy.reader_comments.count(), 0)
        html = self.get_html(copy)
        self.assertIn("Comments (0)", html)
        self.assertIn("No comments yet.", html)


class TestEditor(ArticlePageTestCase):
    """The page editor's form carries no comment; posted comment fields are
    ignored, whoever sends them."""

    def setUp(self):
        self.login()
        self.edit_url = reverse("wagtailadmin_pages:edit", args=[self.page.pk])

    def post(self, data, publish=True):
        if publish:
            data["action-publish"] = "action-publish"
        response = self.client.post(self.edit_url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", ""))
        return response

    def test_comment_fields_posted_with_the_page_change_no_comment(self):
        before = comment_rows(page_id=self.page.pk)
        data = own_form_data(self.page)
        data.update(
            forged_comment_fields(
                self.page,
                change={
                    "Leslie Woods": {"body": "Edited", "status": CommentStatus.SPAM},
                    "Naomi Ho": {"status": CommentStatus.REJECTED},
                },
                delete={"Jennifer Brenko"},
                new=[
                    {
                        "author_name": "Added with the page",
                        "posted_at": "2024-03-02 10:00",
                        "body": "Hello",
                        "status": CommentStatus.APPROVED,
                    }
                ],
            )
        )

        self.post(data)

        self.assertEqual(comment_rows(page_id=self.page.pk), before)
        self.page.refresh_from_db()
        self.assertEqual(self.page.live_revision, self.page.latest_revision)
        self.assertNotIn("reader_comments", self.page.latest_revision.content)

    def test_publishing_unchanged_form_keeps_every_comment(self):
        before = comment_rows()

        self.post(own_form_data(self.page))

        self.assertEqual(comment_rows(), before)
        self.assertEqual(self.page.revisions.count(), 2)

    def test_saving_a_draft_keeps_every_comment(self):
        before = comment_rows()

        self.post(own_form_data(self.page), publish=False)

        self.assertEqual(comment_rows(), before)
        self.page.refresh_from_db()
        self.assertTrue(self.page.has_unpublished_changes)
