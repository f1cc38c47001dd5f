"""A signed-in reader comments in Chromium: the form says who they comment as,
asks for no name or email, and the comment waits for moderation under the
account, as the database shows."""

import sqlite3
import time

from browser_helpers import axe_violations, describe_violations, log_in, screenshot
from dvt_testing import BUNDLED_SLUG
from playwright.sync_api import expect

COMMENT = "Signed in, and glad of the clear explanation."


def post_form(page):
    """Send the form once its token is old enough; the POST's response."""
    form = page.locator("#comment-form form")
    form.get_by_label("Comment:", exact=True).fill(COMMENT)
    # The form's signed token must be at least FORM_TOKEN_MIN_AGE (2 s) old.
    time.sleep(2.2)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    return posted.value


def test_a_signed_in_reader_comments_under_the_account(live_site, new_page):
    page = new_page()
    article = f"/{BUNDLED_SLUG}/"
    log_in(page, live_site, next_path=article)

    form = page.locator("#comment-form")
    expect(form.locator(".dvt-commenting-as")).to_have_text(
        f"Commenting as {live_site.username}"
    )
    assert form.get_by_label("Name:", exact=True).count() == 0
    assert form.get_by_label("Email (optional)").count() == 0
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    screenshot(page, "commenting-as")

    response = post_form(page)
    if response.status == 429:
        # Another test posted from this address within FLOOD_INTERVAL: wait
        # out the interval the server names, once, and send the new form.
        time.sleep(int(response.headers["retry-after"]))
        response = post_form(page)

    expect(page.get_by_role("status")).to_contain_text("awaiting moderation")
    with sqlite3.connect(live_site.database) as db:
        rows = db.execute(
            "SELECT c.author_name, c.status, u.username, c.email"
            " FROM wagtail_dvt_comment c JOIN auth_user u ON u.id = c.user_id"
            " WHERE c.body = ?",
            (COMMENT,),
        ).fetchall()
    assert rows == [
        (live_site.username, "pending", live_site.username, "editor@example.com")
    ]
