"""Article HTML with few against many comments: rendering cost must stay flat.

The page shows one page of comments (``COMMENTS_PER_PAGE``), so an article
with 2,000 approved comments should render about as fast as one with 20.
Then the reader's browser revalidating each page with its ETag: a 304,
against the full page.

    python bench/render_comments.py [--requests 200]
"""

import argparse

from common import add_approved_comments, measure, report, setup_django


def article_with_comments(count, title):
    from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
    from wagtail_dvt.models import get_article_model

    text = BUNDLED_DOCUMENT.read_bytes().replace(
        b"The Role of Interventional Radiology", title.encode()
    )
    page = get_article_model().objects.get(pk=import_document(text, name=title).page_id)
    page.reader_comments.all().delete()
    add_approved_comments(page, count)
    return page


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    client = Client()
    urls = {
        count: article_with_comments(count, f"Article with {count} comments").url
        for count in (20, 2000)
    }
    client.get(urls[20])  # The reader's CSRF cookie, part of the page's ETag.
    for count in (20, 2000):
        tag = client.get(urls[count])["ETag"]
        urls[f"{count}, 304"] = (urls[count], {"If-None-Match": tag})
    results = measure(client, urls, args.requests)
    ratio = results[2000]["median_ms"] / results[20]["median_ms"]
    rows = [("approved comments", "median ms", "queries")]
    rows += [(count, r["median_ms"], r["queries"]) for count, r in results.items()]
    rows.append(("2000 / 20", f"{ratio:.3f}x", ""))
    for count in (20, 2000):
        revalidated = (
            results[f"{count}, 304"]["median_ms"] / results[count]["median_ms"]
        )
        rows.append((f"{count}, 304 / full", f"{revalidated:.3f}x", ""))
    report(
        "render_comments",
        rows,
        {"requests": args.requests, "results": results, "ratio": ratio},
    )


if __name__ == "__main__":
    main()
