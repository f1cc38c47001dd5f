"""What a 304 costs against the full response, for every read with validators.

The v2 and v3 article details (19 comments), the v2 and v3 comments listings
of an article with 1,000 comments (``?article=``), and the article's reader
page, each revalidated with the ``ETag`` (``If-None-Match``) and with the
``Last-Modified`` (``If-Modified-Since``) of its last answer. All requests
take turns in shuffled rounds, in process, with Django's test client; the
goal is a 304 at most 0.5x the full response.

    python bench/conditional_gets.py [--requests 200]
"""

import argparse
import time

from common import add_approved_comments, measure, report, setup_django, variants


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.test import Client
    from wagtail import VERSION as WAGTAIL_VERSION

    from wagtail_dvt.importer import import_documents
    from wagtail_dvt.models import get_article_model

    outcomes = list(import_documents([(n, t.encode()) for n, t in variants(2, "304")]))
    bundled, crowded = (
        get_article_model()
        .objects.filter(pk__in=[o.page_id for o in outcomes])
        .order_by("pk")
    )
    add_approved_comments(crowded, 1000 - crowded.reader_comments.count())

    # Last-Modified is sent once the second of the last change is over.
    time.sleep(1)
    client = Client()
    client.get(bundled.url)  # The reader's CSRF cookie, part of the page's ETag.
    reads = {"reader page": bundled.url}
    for version in ["v2"] + (["v3"] if WAGTAIL_VERSION >= (8, 0) else []):
        reads[f"{version} detail"] = f"/api/{version}/pages/{bundled.pk}/"
        reads[f"{version} listing"] = f"/api/{version}/comments/?article={crowded.pk}"
    urls = {}
    for name, url in reads.items():
        full = client.get(url)
        urls[name] = url
        urls[f"{name}, If-None-Match"] = (url, {"If-None-Match": full["ETag"]})
        urls[f"{name}, If-Modified-Since"] = (
            url,
            {"If-Modified-Since": full["Last-Modified"]},
        )
    results = measure(client, urls, args.requests)

    rows = [("read", "validator", "queries", "median ms", "304 / full")]
    for name in reads:
        full = results[name]
        rows.append((name, "(full)", full["queries"], full["median_ms"], ""))
        for header in ("If-None-Match", "If-Modified-Since"):
            short = results[f"{name}, {header}"]
            ratio = short["median_ms"] / full["median_ms"]
            rows.append(
                (name, header, short["queries"], short["median_ms"], f"{ratio:.2f}x")
            )
    report("conditional_gets", rows, {"requests": args.requests, "results": results})


if __name__ == "__main__":
    main()
