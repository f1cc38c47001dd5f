"""A superuser opens an article with 3,000 comments in the page editor and
saves a draft, on Wagtail's project defaults (DATA_UPLOAD_MAX_NUMBER_FIELDS =
10_000): the Comments tab lists the newest comments, and no comment changes."""

import sqlite3

from browser_helpers import CROWDED_COMMENTS, log_in
from playwright.sync_api import expect


def comment_rows(live_site):
    """Every comment of the crowded article, as stored, straight from SQLite."""
    with sqlite3.connect(live_site.database) as database:
        return database.execute(
            "SELECT id, author_name, body, posted_at, status, email"
            " FROM wagtail_dvt_comment WHERE page_id = ? ORDER BY id",
            [live_site.crowded_article_id],
        ).fetchall()


def test_saving_a_draft_of_an_article_with_3000_comments(live_site, new_page):
    before = comment_rows(live_site)
    assert len(before) == CROWDED_COMMENTS
    edit_path = f"/admin/pages/{live_site.crowded_article_id}/edit/"
    page = new_page()
    log_in(page, live_site, next_path=edit_path)
    page.wait_for_load_state("networkidle")

    page.get_by_role("tab", name="Comments").click()
    panel = page.locator(".wagtail-dvt-comments-panel")
    expect(panel).to_contain_text("3,000 comments; the newest 20 are shown.")
    assert panel.locator(".wagtail-dvt-comment").count() == 20
    # The newest first, with a link to edit it and the moderation listing.
    expect(panel.locator(".wagtail-dvt-comment").first).to_contain_text(
        f"Comment {CROWDED_COMMENTS - 1} of many."
    )
    expect(panel.get_by_role("link", name="Reader 2999")).to_have_attribute(
        "href", f"/admin/reader-comments/edit/{before[-1][0]}/"
    )
    expect(
        panel.get_by_role("link", name="Moderate this article's comments")
    ).to_have_attribute(
        "href", f"/admin/reader-comments/?page={live_site.crowded_article_id}"
    )
    assert page.locator('[name^="reader_comments-"]').count() == 0

    page.get_by_role("tab", name="Content").click()
    page.fill("#id_author", "Dr. Vein, edited")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("has been updated")).to_be_visible()
    assert comment_rows(live_site) == before
