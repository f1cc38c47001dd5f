""" "Save my name and email in this browser": stored only when ticked.

The form's submit event is dispatched without sending the form: what the
browser keeps is decided there, and no comment needs posting.
"""

from dvt_testing import BUNDLED_SLUG

KEY = "wagtail-dvt-commenter"
SUBMIT = (
    "document.querySelector('#comment-form form').dispatchEvent(new Event('submit'))"
)


def stored(page):
    return page.evaluate(f"window.localStorage.getItem('{KEY}')")


def test_the_name_and_email_are_kept_only_when_asked(live_site, new_page):
    page = new_page()
    page.goto(live_site(f"/{BUNDLED_SLUG}/"))
    form = page.locator("#comment-form")
    form.get_by_label("Name:", exact=True).fill("Rita Remembered")
    form.get_by_label("Email (optional)").fill("rita@example.org")
    remember = form.get_by_label("Save my name and email in this browser")
    assert not remember.is_checked()

    page.evaluate(SUBMIT)
    assert stored(page) is None
    assert page.evaluate("document.cookie").find("Rita") == -1

    remember.check()
    page.evaluate(SUBMIT)
    assert "rita@example.org" in stored(page)

    page.reload()
    form = page.locator("#comment-form")
    assert form.get_by_label("Name:", exact=True).input_value() == "Rita Remembered"
    assert form.get_by_label("Email (optional)").input_value() == "rita@example.org"
    remember = form.get_by_label("Save my name and email in this browser")
    assert remember.is_checked()

    remember.uncheck()
    page.evaluate(SUBMIT)
    assert stored(page) is None
