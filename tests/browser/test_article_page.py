"""The imported DVT article as readers see it, on a phone and on a desktop."""

import pytest
from browser_helpers import axe_violations, describe_violations, screenshot
from dvt_testing import BUNDLED_SLUG
from playwright.sync_api import expect

SECTION_COUNT = 8
COMMENT_COUNT = 19


@pytest.mark.parametrize("width", [360, 1280])
def test_article_renders_every_section_and_comment_without_scrolling_sideways(
    live_site, new_page, width
):
    page = new_page(width=width, height=800)
    page.goto(live_site(f"/{BUNDLED_SLUG}/"))

    assert page.locator(".dvt-section").count() == SECTION_COUNT
    assert page.locator(".dvt-toc li").count() == SECTION_COUNT
    assert page.locator(".dvt-comment").count() == COMMENT_COUNT
    expect(
        page.get_by_role("heading", name=f"Comments ({COMMENT_COUNT})")
    ).to_be_visible()
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, (
        f"horizontal scrolling at {width} px: {scroll_width} > {client_width}"
    )
    screenshot(page, f"article-{width}")


@pytest.mark.parametrize("width", [360, 1280])
def test_article_has_no_serious_accessibility_violations(live_site, new_page, width):
    page = new_page(width=width, height=800)
    page.goto(live_site(f"/{BUNDLED_SLUG}/"))
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_keyboard_focus_is_visible(live_site, new_page):
    page = new_page()
    page.goto(live_site(f"/{BUNDLED_SLUG}/"))
    page.keyboard.press("Tab")  # The skip link comes first.
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    name_input = page.locator("#comment-form").get_by_label("Name:", exact=True)
    name_input.focus()
    outline = name_input.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
