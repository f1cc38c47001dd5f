"""Article HTML with few against many comments: rendering cost must stay flat.

The page shows one page of comments (``COMMENTS_PER_PAGE``), so an article
with 2,000 approved comments should render about as fast as one with 20.

    python bench/render_comments.py [--requests 200]
"""

import argparse
import time
from datetime import timedelta

from common import median_ms, report, setup_django


def article_with_comments(count, title):
    from django.utils import timezone

    from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
    from wagtail_dvt.models import ArticlePage, Comment

    text = BUNDLED_DOCUMENT.read_bytes().replace(
        b"The Role of Interventional Radiology", title.encode()
    )
    page = ArticlePage.objects.get(pk=import_document(text, name=title).page_id)
    page.reader_comments.all().delete()
    start = timezone.now() - timedelta(days=30)
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {number}",
            body=f"Comment number {number}.\nWith a second line.",
            posted_at=start + timedelta(minutes=number),
            status="approved",
        )
        for number in range(count)
    )
    return page


def measure(client, url, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return samples, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    client = Client()
    results = {}
    for count in (20, 2000):
        page = article_with_comments(count, f"Article with {count} comments")
        samples, queries = measure(client, page.url, args.requests)
        results[count] = {"median_ms": median_ms(samples), "queries": queries}
    ratio = results[2000]["median_ms"] / results[20]["median_ms"]
    rows = [("approved comments", "median ms", "queries")]
    rows += [(count, r["median_ms"], r["queries"]) for count, r in results.items()]
    rows.append(("2000 / 20", f"{ratio:.3f}x", ""))
    report(
        "render_comments",
        rows,
        {"requests": args.requests, "results": results, "ratio": ratio},
    )


if __name__ == "__main__":
    main()
