"""Reporting a comment to moderators from the article page, with JavaScript
off, and the open "Report" form checked by axe."""

import re
import sqlite3

from browser_helpers import axe_violations, describe_violations
from test_conversations import THREAD, page_without_javascript  # noqa: F401


def forget_recent_posts(live_site):
    """As if ``FLOOD_INTERVAL`` had passed since other tests posted from this
    browser's address: reports share the interval with posts."""
    with sqlite3.connect(live_site.database) as db:
        db.execute("DELETE FROM wagtail_dvt_postingclient")


def open_report_form(page):
    """The first comment's "Report" disclosure, opened; the comment's id."""
    first = page.locator("article.dvt-comment").first
    comment_id = int(first.get_attribute("id").removeprefix("comment-"))
    first.locator("summary", has_text="Report").click()
    return first, comment_id


def test_reporting_a_comment_works_without_javascript(
    live_site,
    page_without_javascript,  # noqa: F811 - the fixture imported above
):
    page = page_without_javascript
    forget_recent_posts(live_site)
    page.goto(live_site(THREAD))

    comment, comment_id = open_report_form(page)
    comment.get_by_label(re.compile("Why should moderators look")).select_option(
        "abuse"
    )
    comment.get_by_role("button", name="Report comment").click()

    page.wait_for_url(re.compile(r"report_status=sent"))
    notice = page.locator(".dvt-report-notice")
    assert "Moderators will look at the comment you reported" in notice.inner_text()
    with sqlite3.connect(live_site.database) as db:
        rows = db.execute(
            "SELECT reason FROM wagtail_dvt_commentreport WHERE comment_id = ?",
            [comment_id],
        ).fetchall()
    assert rows == [("abuse",)]


def test_the_open_report_form_has_no_serious_accessibility_violations(
    live_site, new_page
):
    page = new_page(width=360, height=800)
    page.goto(live_site(THREAD))
    open_report_form(page)

    violations = axe_violations(page)

    assert not violations, describe_violations(violations)
