"""The page editor with few against many comments: opening it and saving a
draft must cost about the same, and saving must touch no comment.

The Comments tab lists the newest comments only and the page form carries
none, so an article with 10,000 comments should open about as fast as one
with 20, within Wagtail's project default DATA_UPLOAD_MAX_NUMBER_FIELDS.

The two articles take turns, request by request.

    python bench/page_editor.py [--requests 30] [--comments 10000]
"""

import argparse
import statistics
import time

from common import add_approved_comments, median_ms, report, setup_django


def article_with_comments(count, title):
    from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
    from wagtail_dvt.models import ArticlePage

    text = BUNDLED_DOCUMENT.read_bytes().replace(
        b"The Role of Interventional Radiology", title.encode()
    )
    page = ArticlePage.objects.get(pk=import_document(text, name=title).page_id)
    add_approved_comments(page, count - page.reader_comments.count())
    return page


def draft_data(page):
    """The editor's form as a browser posts it: the page's own fields only."""
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        streamfield,
    )

    sections = [("section", dict(block.value)) for block in page.body]
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "author": page.author,
            "date": page.date.isoformat(),
            "body": streamfield(sections),
            "comments_open": "on",
            "comments": inline_formset([]),
        }
    )


def comment_rows(page):
    from wagtail_dvt.models import Comment

    return list(
        Comment.objects.filter(page=page)
        .order_by("pk")
        .values_list("pk", "author_name", "body", "posted_at", "status")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--comments", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(
        get_user_model().objects.create_superuser("bench", "bench@example.com")
    )
    pages = {
        count: article_with_comments(count, f"Article with {count} comments")
        for count in (20, args.comments)
    }
    urls = {
        count: reverse("wagtailadmin_pages:edit", args=[page.pk])
        for count, page in pages.items()
    }
    before = {count: comment_rows(page) for count, page in pages.items()}
    opens = {count: [] for count in pages}
    saves = {count: [] for count in pages}
    for url in urls.values():
        client.get(url)  # warm caches
    # The two articles take turns, so that a busy spell of a shared machine
    # weighs on both alike.
    for _ in range(args.requests):
        for count, page in pages.items():
            started = time.perf_counter()
            response = client.get(urls[count])
            opens[count].append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"opening the editor answered {response.status_code}")
            data = draft_data(page)
            started = time.perf_counter()
            response = client.post(urls[count], data)
            saves[count].append(time.perf_counter() - started)
            if response.status_code != 302:
                raise SystemExit(f"saving a draft answered {response.status_code}")
    results = {}
    for count, page in pages.items():
        if comment_rows(page) != before[count]:
            raise SystemExit(f"saving a draft changed comments of {page.title}")
        with CaptureQueriesContext(connection) as queries:
            html = client.get(urls[count]).content
        results[count] = {
            "open_median_ms": median_ms(opens[count]),
            "save_median_ms": median_ms(saves[count]),
            "open_queries": len(queries),
            "html_kb": round(len(html) / 1024, 1),
            "form_fields": len(draft_data(page)),
            "open_stdev_ms": round(statistics.pstdev(opens[count]) * 1000, 1),
        }
    few, many = results[20], results[args.comments]
    ratio = many["open_median_ms"] / few["open_median_ms"]
    save_ratio = many["save_median_ms"] / few["save_median_ms"]
    rows = [("comments", "open ms", "save draft ms", "queries", "HTML KB", "fields")]
    rows += [
        (
            count,
            r["open_median_ms"],
            r["save_median_ms"],
            r["open_queries"],
            r["html_kb"],
            r["form_fields"],
        )
        for count, r in results.items()
    ]
    rows.append(
        (f"{args.comments} / 20", f"{ratio:.3f}x", f"{save_ratio:.3f}x", "", "", "")
    )
    report(
        "page_editor",
        rows,
        {
            "requests": args.requests,
            "results": results,
            "open_ratio": ratio,
            "save_ratio": save_ratio,
        },
    )


if __name__ == "__main__":
    main()
