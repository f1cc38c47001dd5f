"""A thread at full depth as readers see it on a phone, and replying to a
comment with JavaScript off."""

import pytest
from browser_helpers import axe_violations, describe_violations, screenshot

THREAD = "/conversation/"


def test_a_thread_at_full_depth_fits_360_px(live_site, new_page):
    page = new_page(width=360, height=800)
    page.goto(live_site(THREAD))

    assert page.locator(".dvt-comment-level-2").count() == 1
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, f"{scroll_width} > {client_width}"
    deepest = page.locator(".dvt-comment-level-2").bounding_box()
    assert deepest["width"] >= 240, deepest  # still a readable column
    screenshot(page, "thread-360")


def test_a_thread_has_no_serious_accessibility_violations(live_site, new_page):
    page = new_page(width=360, height=800)
    page.goto(live_site(THREAD))
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


@pytest.fixture
def page_without_javascript(browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}
    )
    yield context.new_page()
    context.close()


def test_replying_works_without_javascript(live_site, page_without_javascript):
    page = page_without_javascript
    page.goto(live_site(THREAD))

    name = "Reply to Replier0 Withaverylongsurnameindeed"
    page.get_by_role("link", name=name).click()

    assert "Replying to Replier0" in page.locator(".dvt-comment-replying").inner_text()
    page.get_by_role("link", name="Cancel reply").click()
    assert page.locator(".dvt-comment-replying").count() == 0
