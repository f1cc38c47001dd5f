"""docs/api.md's "Build a front-end", end to end: its example page, served
from another origin, reads the article and posts a comment through the API in
Chromium (CORS, the comment token, the honeypot), and the comment is stored
pending."""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from dvt_testing import REPO_ROOT
from playwright.sync_api import expect

MARKER = "<!-- front-end-example -->"


def example_page() -> str:
    """The example page, exactly as docs/api.md shows it."""
    docs = (REPO_ROOT / "docs/api.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```html\n(.*?)\n```\n", docs, re.S)
    assert match, f"docs/api.md has no ```html block after {MARKER}"
    return match.group(1)


@pytest.fixture
def front_end(live_site, tmp_path):
    """The example page, served by a static server on the front-end origin."""
    (tmp_path / "index.html").write_text(example_page(), encoding="utf-8")
    origin = urlsplit(live_site.front_origin)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer((origin.hostname, origin.port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield live_site.front_origin
    finally:
        server.shutdown()
        server.server_close()


def api_get(live_site, path):
    with urllib.request.urlopen(live_site(path), timeout=10) as response:  # noqa: S310
        return json.load(response)


def test_a_page_on_another_origin_reads_the_article_and_posts_a_comment(
    live_site, front_end, new_page
):
    article = api_get(live_site, f"/api/v2/pages/{live_site.article_id}/")
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(
        f"{front_end}/index.html?api={live_site.url}/api/v2"
        f"&article={live_site.article_id}"
    )

    expect(page.get_by_role("heading", level=1)).to_have_text(article["title"])
    sections = [block for block in article["body"] if block["type"] == "section"]
    first = sections[0]["value"]
    expect(page.locator(f"#{first['anchor']}")).to_have_text(first["heading"])
    expect(page.locator("#comments > li")).to_have_count(len(article["comments"]))
    first_comment = article["comments"][0]
    expect(page.locator(f"#comment-{first_comment['id']}")).to_contain_text(
        first_comment["author_name"]
    )

    body = "Posted from a front-end on another origin."
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill("Fran Front")
    form.get_by_label("Comment").fill(body)
    form.get_by_role("button", name="Send").click()

    # 202 after the token's minimum age (and a Retry-After, if another test's
    # comment from this address is still within the flood interval).
    status = page.locator("#status")
    expect(status).to_have_attribute("data-code", "202", timeout=45_000)
    expect(status).to_contain_text("awaiting moderation")
    assert errors == []

    with sqlite3.connect(live_site.database) as db:
        stored = db.execute(
            "SELECT page_id, author_name, status FROM wagtail_dvt_comment"
            " WHERE body = ?",
            [body],
        ).fetchall()
    assert stored == [(live_site.article_id, "Fran Front", "pending")]
