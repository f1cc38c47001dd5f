"""An editor imports articles from the admin: upload, preview, confirm, result.

The editor is a member of Wagtail's "Editors" group, so the articles land as
drafts with pending comments. Four documents (the bundled one and a zip of
three) import within the confirming request.
"""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import zipfile

import pytest
from browser_helpers import (
    PAGE_EDITOR,
    TIMEOUT_MS,
    axe_violations,
    describe_violations,
    log_in,
    screenshot,
)
from dvt_testing import BUNDLED_TITLE, retitled
from playwright.sync_api import expect

from wagtail_dvt.importer import BUNDLED_DOCUMENT
from wagtail_dvt.models import get_base_page_model

ZIPPED_TITLES = [f"Imported in the browser {n}" for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def editor_page(browser, live_site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, dataclasses.replace(live_site, username=PAGE_EDITOR))
    yield page
    context.close()


def zip_of_three(tmp_path):
    text = BUNDLED_DOCUMENT.read_text(encoding="utf-8")
    path = tmp_path / "three.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, title in enumerate(ZIPPED_TITLES, start=1):
            archive.writestr(f"article-{number}.txt", retitled(text, title))
    path.write_bytes(buffer.getvalue())
    return path


def assert_accessible(page):
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_editor_uploads_previews_confirms_and_finds_the_pages(
    live_site, editor_page, tmp_path
):
    page = editor_page
    page.goto(live_site("/admin/"))
    page.get_by_role("link", name="Import articles").click()
    page.wait_for_url("**/admin/dvt-import/")
    expect(page.get_by_role("heading", name="Import articles")).to_be_visible()
    assert_accessible(page)

    # The parent page, through Wagtail's page chooser.
    page.get_by_role("button", name="Choose a page").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("link", name="wagtail-dvt demo").first.click()
    expect(modal).to_be_hidden()
    page.set_input_files(
        "#id_documents", [str(BUNDLED_DOCUMENT), str(zip_of_three(tmp_path))]
    )
    # An editor may not publish: the box is ticked and cannot be changed.
    expect(page.get_by_label("Import as drafts")).to_be_checked()
    expect(page.get_by_label("Import as drafts")).to_be_disabled()
    screenshot(page, "admin-import-choose")
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    rows = page.locator("table.listing tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("unchanged")  # imported by the bootstrap
    for index in (1, 2, 3):
        expect(rows.nth(index)).to_contain_text("would be created")
    assert_accessible(page)
    screenshot(page, "admin-import-preview", full_page=True)
    assert not _pages_titled(live_site, ZIPPED_TITLES)  # nothing written yet

    page.get_by_role("button", name="Confirm the import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#import-summary")).to_contain_text("Created 3")
    assert_accessible(page)
    screenshot(page, "admin-import-result", full_page=True)

    assert sorted(_pages_titled(live_site, ZIPPED_TITLES)) == [
        (title, 0) for title in ZIPPED_TITLES
    ]
    # The result links to each page's editor.
    page.get_by_role("link", name=ZIPPED_TITLES[0]).click()
    expect(page.locator("#id_title")).to_have_value(ZIPPED_TITLES[0])
    assert BUNDLED_TITLE not in ZIPPED_TITLES


def _pages_titled(live_site, titles):
    """``(title, live)`` of the pages with these titles, read from the site's DB."""
    table = get_base_page_model()._meta.db_table  # the swapped site's own
    with sqlite3.connect(live_site.database) as connection:
        placeholders = ",".join("?" * len(titles))
        return connection.execute(
            f"SELECT title, live FROM {table} WHERE title IN ({placeholders})",  # noqa: S608
            titles,
        ).fetchall()
