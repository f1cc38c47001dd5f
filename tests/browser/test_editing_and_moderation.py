"""An editor publishes an article, a visitor comments, a moderator approves.

The fixtures build on each other, each once per module: the visitor comments
on the editor's article, and the moderator approves that comment. Selecting
one test (``-k``) still runs the steps it needs.
"""

import re
import time
from dataclasses import dataclass

import pytest
from browser_helpers import SCREENSHOTS, TIMEOUT_MS, log_in, screenshot
from playwright.sync_api import expect

from wagtail_dvt.models import get_article_model

# The site's article model, in admin URLs: /admin/pages/add/<app>/<model>/.
_ARTICLE_META = get_article_model()._meta
ARTICLE_URL_PART = f"{_ARTICLE_META.app_label}/{_ARTICLE_META.model_name}"

TITLE = "Compression stockings after a clot"
SECTIONS = [
    ("Why wear them", "Stockings *reduce* swelling and pain.\n\nAsk your doctor."),
    ("How long for", "Usually for up to two years after the clot."),
]
VISITOR = "Priya from Leeds"
COMMENT = "Mine helped a lot on long flights. Thank you for the clear advice!"


@dataclass(frozen=True)
class PublishedArticle:
    url: str
    page_id: int


@pytest.fixture(scope="module")
def editor_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture(scope="module")
def published_article(live_site, editor_context):
    """An editor logs in, writes an article with two sections and publishes it."""
    page = editor_context.new_page()
    log_in(page, live_site)
    # Wait for the editor's scripts: a click before the StreamField is set up
    # inserts nothing (seen on a loaded CI machine).
    page.goto(
        live_site(f"/admin/pages/add/{ARTICLE_URL_PART}/{live_site.home_id}/"),
        wait_until="networkidle",
    )
    page.fill("#id_title", TITLE)
    page.fill("#id_author", "Dr. Ada Vein")
    page.fill("#id_date", "2024-05-01")
    page.keyboard.press("Escape")  # Close the date picker.
    for index, (heading, content) in enumerate(SECTIONS):
        page.get_by_role("button", name=re.compile("Insert a block", re.I)).last.click()
        page.fill(f'[name="body-{index}-value-heading"]', heading)
        # wagtail-markdown's EasyMDE editor: type into its CodeMirror.
        editor = page.locator(".CodeMirror").nth(index)
        editor.click()
        # A new block is still settling into place: type once it has focus.
        expect(editor).to_have_class(re.compile(r"\bCodeMirror-focused\b"))
        page.keyboard.type(content)
        # EasyMDE copies what was typed into the form's textarea.
        expect(page.locator(f'[name="body-{index}-value-content"]')).to_have_value(
            content
        )
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1280, "height": 1250})
        page.locator("#id_title").scroll_into_view_if_needed()
        screenshot(page, "editor")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(live_site(f"/admin/pages/{live_site.home_id}/"))
    # Wagtail 8 may have saved the new page already (autosave), in which case
    # it says "has been published" rather than "created and published".
    published = re.compile(
        rf"Page '{re.escape(TITLE)}' (created and published|has been published)"
    )
    expect(page.get_by_text(published)).to_be_visible()

    row = page.get_by_role("row").filter(has_text=TITLE)
    href = row.get_by_role("link", name=TITLE).first.get_attribute("href")
    page_id = int(re.search(r"/pages/(\d+)/", href).group(1))
    if SCREENSHOTS:
        page.goto(live_site(f"/admin/pages/usage/{ARTICLE_URL_PART}/"))
        screenshot(page, "article-listing")
    page.close()
    return PublishedArticle(
        url=live_site("/compression-stockings-after-a-clot/"), page_id=page_id
    )


@pytest.fixture(scope="module")
def visitor_comment(published_article, new_module_page):
    """A visitor posts a comment on the editor's article, as a browser does."""
    page = new_module_page()
    page.goto(published_article.url)
    shown_at = time.monotonic()
    form = page.locator("#comment-form form")
    form.get_by_label("Name:", exact=True).fill(VISITOR)
    form.get_by_label("Comment:", exact=True).fill(COMMENT)
    # The form's signed token must be at least 2 seconds old.
    time.sleep(max(0.0, 2.2 - (time.monotonic() - shown_at)))
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    return page


def test_editor_publishes_an_article_and_finds_it_on_the_site(
    live_site, published_article, new_page
):
    page = new_page()
    page.goto(live_site("/"))
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(published_article.url)

    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    headings = page.locator(".dvt-section h2").all_inner_texts()
    assert headings == [heading for heading, _ in SECTIONS]
    # The Markdown was rendered, and the contents link to both sections.
    assert page.locator(".dvt-section em").inner_text() == "reduce"
    assert page.locator(".dvt-toc a").all_inner_texts() == headings


def test_visitor_comment_awaits_moderation(visitor_comment):
    page = visitor_comment
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation")
    # Not shown until a moderator approves it.
    assert page.locator(".dvt-comment").filter(has_text=COMMENT).count() == 0
    expect(page.get_by_role("heading", name="Comments (0)")).to_be_visible()


def test_moderator_approves_the_comment_from_the_comments_listing(
    live_site, published_article, visitor_comment, editor_context
):
    page = editor_context.new_page()
    page.goto(live_site("/admin/reader-comments/?status=pending"))
    row = page.get_by_role("row").filter(has_text=VISITOR)
    assert row.count() == 1
    assert "pending" in row.inner_text().lower()
    row.get_by_role("checkbox").check()
    approve = page.get_by_role("link", name="Approve").or_(
        page.get_by_role("button", name="Approve")
    )
    expect(approve.first).to_be_visible()  # In the bulk actions bar.
    if SCREENSHOTS:
        page.wait_for_timeout(600)  # The bar slides in.
        screenshot(page, "moderation-listing")
    approve.first.click()
    # Wagtail asks for confirmation before a bulk action.
    page.get_by_role("button", name=re.compile("^Yes")).click()
    expect(page.get_by_text("1 comment approved.")).to_be_visible()
    page.close()

    reader = visitor_comment
    reader.goto(published_article.url)
    comment = reader.locator(".dvt-comment").filter(has_text=COMMENT)
    assert comment.count() == 1
    assert VISITOR in comment.inner_text()
    expect(reader.get_by_role("heading", name="Comments (1)")).to_be_visible()
