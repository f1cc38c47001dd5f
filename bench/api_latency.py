"""API cost of an article against a plain page of the same site.

For API v2 (and v3 on Wagtail 8): the detail of the bundled article (19
comments) and of one with 1,000 comments, against the detail of a plain
``Page``; and a listing of 1 and of 20 articles with ``fields=*``. The detail
of a page type with no fields of its own (the demo's ``HomePage``) shows
what Wagtail itself adds for any specific page type. Then conditional
GETs: each article detail and the article's comments listing revalidated
with its ETag (a 304), against the full response. Prints queries and median
latency, measured in process with Django's test client, the requests taking
turns, and the ratios the goals are set in.

    python bench/api_latency.py [--requests 200] [--free-comments]

``--free-comments`` serves every article's embedded comments from memory, as
a perfect cache would: the floor that caching them could reach.
"""

import argparse

from common import add_approved_comments, measure, report, setup_django, variants


def serve_comments_from_memory(articles):
    """Replace the embedded comments' loader with a lookup of loaded ones."""
    from wagtail_dvt import api_fields as fields

    loaded = {}
    for article in articles:
        fields.embed_comments([article])
        loaded[article.pk] = fields.get_embedded_comments(article)

    def from_memory(pages):
        for page in pages:
            setattr(page, fields._CACHE_ATTR, loaded[page.pk])

    fields.embed_comments = from_memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--free-comments", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.apps import apps
    from django.test import Client
    from wagtail import VERSION as WAGTAIL_VERSION
    from wagtail.models import Site

    from wagtail_dvt.importer import import_documents
    from wagtail_dvt.models import get_article_model, get_base_page_model

    ArticlePage = get_article_model()
    Page = get_base_page_model()
    # The demo's home page type, or the swapped test site's (tests/swapped).
    HomePage = apps.get_model("home", "HomePage")

    root = Site.objects.get(is_default_site=True).root_page
    plain = root.add_child(instance=Page(title="A plain page", slug="plain"))
    typed = root.add_child(instance=HomePage(title="A page type", slug="typed"))
    outcomes = list(import_documents([(n, t.encode()) for n, t in variants(20, "api")]))
    articles = ArticlePage.objects.filter(pk__in=[o.page_id for o in outcomes])
    bundled, crowded = articles.order_by("pk")[:2]
    add_approved_comments(crowded, 1000 - crowded.reader_comments.count())

    if args.free_comments:
        serve_comments_from_memory(articles)

    client = Client()
    versions = ["v2"] + (["v3"] if WAGTAIL_VERSION >= (8, 0) else [])
    article_type = ArticlePage._meta.label
    results = {}
    for version in versions:
        base = f"/api/{version}/pages/"
        urls = {
            "plain page detail": f"{base}{plain.pk}/",
            "field-less page type detail": f"{base}{typed.pk}/",
            "article detail, 19 comments": f"{base}{bundled.pk}/",
            "article detail, 1000 comments": f"{base}{crowded.pk}/",
        }
        urls["comments listing, 1000 comments"] = (
            f"/api/{version}/comments/?article={crowded.pk}"
        )
        for name in (
            "article detail, 19 comments",
            "article detail, 1000 comments",
            "comments listing, 1000 comments",
        ):
            tag = client.get(urls[name])["ETag"]
            urls[f"{name}, 304"] = (urls[name], {"If-None-Match": tag})
        if version == "v2":
            for limit in (1, 20):
                urls[f"listing fields=*, {limit} articles"] = (
                    f"{base}?type={article_type}&fields=*&limit={limit}"
                )
        results[version] = measure(client, urls, args.requests)

    rows = [("API", "request", "queries", "median ms", "vs plain", "vs typed")]
    for version, cases in results.items():
        plain_ms = cases["plain page detail"]["median_ms"]
        typed_ms = cases["field-less page type detail"]["median_ms"]
        for case, figures in cases.items():
            rows.append(
                (
                    version,
                    case,
                    figures["queries"],
                    figures["median_ms"],
                    f"{figures['median_ms'] / plain_ms:.2f}x",
                    f"{figures['median_ms'] / typed_ms:.2f}x",
                )
            )
        for case in list(cases):
            if case.endswith(", 304"):
                full = cases[case.removesuffix(", 304")]["median_ms"]
                ratio = cases[case]["median_ms"] / full
                rows.append((version, f"{case} / full", "", "", f"{ratio:.2f}x", ""))
        few = cases["article detail, 19 comments"]["median_ms"]
        many = cases["article detail, 1000 comments"]["median_ms"]
        rows.append(
            (version, "detail 1000 / 19 comments", "", "", f"{many / few:.3f}x", "")
        )
    name = "api_latency-free-comments" if args.free_comments else "api_latency"
    report(name, rows, {"requests": args.requests, "results": results})


if __name__ == "__main__":
    main()
