"""wagtail-dvt against django-comments-xtd, side by side on one Wagtail site.

Both systems run in one throwaway site (``bench.peer_settings``): wagtail-dvt's
``ArticlePage`` and a page whose comments are django-comments-xtd's, set up as
its docs say (``bench/peer_site``), with a StreamField of headings and
wagtail-markdown blocks. Both get the bundled article and its 19 comments, and
pages with 2,000: flat, and threaded (40% replies, up to depth 3; xtd's
``COMMENTS_XTD_MAX_THREAD_LEVEL = 2`` gives the same three levels; its
threaded pages are paged by comment, and by thread as wagtail-dvt's). Every
request takes turns with the others in shuffled rounds, in process with
Django's test client; then 50 renders of each 2,000-comment page measure
memory. Ratios are wagtail-dvt / xtd (below 1.0x:
wagtail-dvt costs less).

    pip install -e .[peer]
    python bench/peer_comments.py [--rounds 40] [--renders 50]
"""

import argparse
import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path

from common import (
    add_approved_comments,
    add_threaded_comments,
    median_ms,
    report,
    setup_django,
)

BIG = 2000

#: (figure, wagtail-dvt case, xtd case): the rows of the A/B table.
COMPARISONS = [
    ("page, 19 comments", "dvt page 19", "xtd page 19"),
    ("page, 2,000 comments, both 50 a page", "dvt page 2000", "xtd page 2000 paged"),
    ("page, 2,000 comments, xtd unpaginated", "dvt page 2000", "xtd page 2000 all"),
    ("API v2 listing, 19 comments", "dvt v2 19", "xtd api 19"),
    ("API v2 listing, 2,000 comments", "dvt v2 2000", "xtd api 2000"),
    ("API v3 listing, 19 comments", "dvt v3 19", "xtd api 19"),
    ("API v3 listing, 2,000 comments", "dvt v3 2000", "xtd api 2000"),
    ("comments_url (v2), 19 comments", "dvt comments_url v2 19", "xtd api 19"),
    ("comments_url (v2), 2,000 comments", "dvt comments_url v2 2000", "xtd api 2000"),
    ("comments_url (v3), 19 comments", "dvt comments_url v3 19", "xtd api 19"),
    ("comments_url (v3), 2,000 comments", "dvt comments_url v3 2000", "xtd api 2000"),
    ("post through the HTML form", "dvt post", "xtd post"),
    (
        "threaded page, 2,000 comments, both 50 threads a page",
        "dvt page threaded",
        "xtd page threaded by thread",
    ),
    (
        "threaded page, 2,000 comments, xtd 50 comments a page",
        "dvt page threaded",
        "xtd page threaded paged",
    ),
    (
        "threaded page, 2,000 comments, xtd unpaginated",
        "dvt page threaded",
        "xtd page threaded all",
    ),
    ("threaded API v2 listing, 2,000 comments", "dvt v2 threaded", "xtd api threaded"),
    ("threaded API v3 listing, 2,000 comments", "dvt v3 threaded", "xtd api threaded"),
    ("reply through the HTML form", "dvt reply", "xtd reply"),
]


def import_article(title):
    from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
    from wagtail_dvt.models import ArticlePage

    text = BUNDLED_DOCUMENT.read_bytes().replace(
        b"The Role of Interventional Radiology", title.encode()
    )
    return ArticlePage.objects.get(pk=import_document(text, name=title).page_id)


def xtd_copy(article, slug, *, comments_per_page=0, threads_per_page=0):
    """The same article as an xtd page, with copies of its approved comments.

    Replies answer the copies of their parents, so threads stay threads.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django_comments_xtd.models import XtdComment

    from bench.peer_site.models import XtdArticlePage

    body = []
    for block in article.body:
        body.append(("heading", block.value["heading"]))
        body.append(("markdown", block.value["content"]))
    page = article.get_parent().add_child(
        instance=XtdArticlePage(
            title=article.title,
            slug=slug,
            author=article.author,
            date=article.date,
            body=body,
            comments_per_page=comments_per_page,
            threads_per_page=threads_per_page,
        )
    )
    content_type = ContentType.objects.get_for_model(XtdArticlePage)
    # One at a time, as xtd saves them: XtdComment extends django-contrib-
    # comments' model (no bulk_create), and its save() starts each thread.
    copies = {}
    with transaction.atomic():
        for comment in article.approved_comments.order_by("pk"):
            copy = XtdComment(
                content_type=content_type,
                object_pk=str(page.pk),
                site_id=1,
                user_name=comment.author_name,
                comment=comment.body,
                submit_date=comment.posted_at,
                is_public=True,
                parent_id=copies.get(comment.parent_id, 0),
            )
            copy.save()
            copies[comment.pk] = copy.pk
    return page


def build_site():
    """The pages: wagtail-dvt's and xtd's, at 19 and 2,000 comments."""
    small = import_article("Article with 19 comments")
    big = import_article("Article with 2000 comments")
    add_approved_comments(big, BIG - big.approved_comments.count())
    threaded = import_article("Article with 2000 threaded comments")
    add_threaded_comments(threaded, BIG - threaded.approved_comments.count())
    posted_to = import_article("Article posted to")
    assert small.comment_count == 19 and big.comment_count == BIG  # noqa: S101
    assert threaded.approved_comments.filter(level=2).exists()  # noqa: S101
    return {
        "dvt small": small,
        "dvt big": big,
        "dvt threaded": threaded,
        "dvt posted to": posted_to,
        "xtd small": xtd_copy(small, "xtd-19"),
        "xtd big": xtd_copy(big, "xtd-2000"),
        "xtd big paged": xtd_copy(big, "xtd-2000-paged", comments_per_page=50),
        "xtd threaded": xtd_copy(threaded, "xtd-threaded"),
        "xtd threaded paged": xtd_copy(
            threaded, "xtd-threaded-paged", comments_per_page=50
        ),
        "xtd threaded by thread": xtd_copy(
            threaded, "xtd-threaded-by-thread", threads_per_page=50
        ),
        "xtd posted to": xtd_copy(posted_to, "xtd-posted-to"),
    }


def dvt_form_token(page, age=5):
    """A form token for ``page`` signed ``age`` s ago: over the minimum age."""
    from django.core import signing

    from wagtail_dvt.comments.forms import FormTokenSigner

    signer = FormTokenSigner()
    stamp = signing.b62_encode(int((time.time() - age) * 1000))
    return signing.Signer.sign(signer, f"{page.pk}{signer.sep}{stamp}")


def get_json(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return response.json()


def cases(client, pages):
    """``{name: callable}``: each makes one request and returns its response."""
    from django.contrib.contenttypes.models import ContentType
    from django_comments.forms import CommentSecurityForm
    from django_comments_xtd.forms import XtdCommentForm
    from django_comments_xtd.models import XtdComment

    from bench.peer_site.models import XtdArticlePage

    xtd_type = ContentType.objects.get_for_model(XtdArticlePage)
    xtd_api = f"/xtd-api/{xtd_type.app_label}-{xtd_type.model}/"
    numbers = iter(range(1, 10**9))
    urls = {
        "dvt page 19": pages["dvt small"].url,
        "dvt page 2000": pages["dvt big"].url,
        "xtd page 19": pages["xtd small"].url,
        "xtd page 2000 paged": pages["xtd big paged"].url,
        "xtd page 2000 all": pages["xtd big"].url,
        "xtd api 19": f"{xtd_api}{pages['xtd small'].pk}/",
        "xtd api 2000": f"{xtd_api}{pages['xtd big'].pk}/",
        "dvt page threaded": pages["dvt threaded"].url,
        "xtd page threaded paged": pages["xtd threaded paged"].url,
        "xtd page threaded by thread": pages["xtd threaded by thread"].url,
        "xtd page threaded all": pages["xtd threaded"].url,
        "xtd api threaded": f"{xtd_api}{pages['xtd threaded'].pk}/",
        "dvt v2 threaded": f"/api/v2/comments/?article={pages['dvt threaded'].pk}",
        "dvt v3 threaded": f"/api/v3/comments/?article={pages['dvt threaded'].pk}",
        # xtd's own mount of its API, unpaginated: for reference.
        "xtd api 2000 unpaginated": (
            f"/comments/api/{xtd_type.app_label}-{xtd_type.model}/"
            f"{pages['xtd big'].pk}/"
        ),
    }
    for size, key in ((19, "dvt small"), (BIG, "dvt big")):
        article = pages[key].pk
        urls[f"dvt v2 {size}"] = f"/api/v2/comments/?article={article}"
        urls[f"dvt v3 {size}"] = f"/api/v3/comments/?article={article}"
        # The page-level link, as a client finds it on the article.
        for version in ("v2", "v3"):
            detail = get_json(client, f"/api/{version}/pages/{article}/")
            urls[f"dvt comments_url {version} {size}"] = detail["comments_url"]
    assert len(get_json(client, urls["xtd api 2000"])["results"]) == 20  # noqa: S101

    def get(url):
        return lambda: client.get(url)

    requests = {name: get(url) for name, url in urls.items()}

    dvt_page = pages["dvt posted to"]
    dvt_parent = dvt_page.approved_comments.filter(parent=None).first()

    def dvt_post(**reply):
        number = next(numbers)
        return client.post(
            dvt_page.url + "comment/",
            {
                "author_name": f"Poster {number}",
                "email": "",
                "body": f"Posted comment number {number}.",
                "honeypot": "",
                "token": dvt_form_token(dvt_page),
                **reply,
            },
            HTTP_X_FORWARDED_FOR=f"10.{number // 65536 % 256}.{number // 256 % 256}"
            f".{number % 256}",
        )

    xtd_page = pages["xtd posted to"]
    xtd_parent = XtdComment.objects.for_model(xtd_page).filter(level=0).first()

    def xtd_post(reply_to=0):
        number = next(numbers)
        # What the rendered form carries: its timestamp and security hash.
        security = CommentSecurityForm(xtd_page).generate_security_data()
        data = {
            **security,
            "name": f"Poster {number}",
            "email": f"poster{number}@example.com",
            "url": "",
            "comment": f"Posted comment number {number}.",
            "followup": "",
            "reply_to": str(reply_to),
            "honeypot": "",
            "post": "Send",
        }
        return client.post("/comments/post/", data)

    assert XtdCommentForm  # the form xtd renders, whose fields data fills  # noqa: S101
    requests["dvt post"] = dvt_post
    requests["xtd post"] = xtd_post
    requests["dvt reply"] = lambda: dvt_post(parent=dvt_parent.pk)
    requests["xtd reply"] = lambda: xtd_post(reply_to=xtd_parent.pk)
    return requests


def expected_status(name):
    if name in ("dvt post", "dvt reply"):
        return 303
    if name in ("xtd post", "xtd reply"):
        return 302
    return 200


def measure(requests, rounds):
    """Median latency, query count and response size of each request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = {name: [] for name in requests}
    for name, request in requests.items():
        check(name, request())  # warm caches, as a running site has them
    order = list(requests.items())
    shuffler = random.Random(0)  # noqa: S311 - an order, not a secret
    for _ in range(rounds):
        shuffler.shuffle(order)  # no request always goes first
        for name, request in order:
            started = time.perf_counter()
            response = request()
            samples[name].append(time.perf_counter() - started)
            check(name, response)
    figures = {}
    for name, request in requests.items():
        with CaptureQueriesContext(connection) as queries:
            response = request()
        figures[name] = {
            "median_ms": median_ms(samples[name]),
            "queries": len(queries),
            "bytes": len(response.content),
        }
    return figures


def progress(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr)


def check(name, response):
    if response.status_code != expected_status(name):
        raise SystemExit(f"{name} answered {response.status_code}")


def rss_kib():
    """The process's resident memory now (Linux), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory(client, urls, renders=50, traced=3):
    """Memory that GETs of each URL take, one URL after another.

    First ``renders`` plain GETs: the process's RSS growth, which only counts
    memory the earlier URLs did not already make the process take. Then
    ``traced`` GETs with Python's allocations traced (slow, hence fewer): the
    highest point above the start (``peak``) and what stays allocated
    (``retained``).
    """
    figures = {}
    for name, url in urls.items():
        client.get(url)
        gc.collect()
        rss_before = rss_kib()
        for _ in range(renders):
            client.get(url)
        gc.collect()
        rss_growth = rss_kib() - rss_before
        tracemalloc.start()
        start, _peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(traced):
            client.get(url)
        gc.collect()
        end, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[name] = {
            "renders": renders,
            "rss_growth_mib": round(rss_growth / 1024, 2),
            "traced_renders": traced,
            "retained_mib": round((end - start) / 2**20, 2),
            "peak_mib": round((peak - start) / 2**20, 2),
        }
    return figures


def main():
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--renders", type=int, default=50)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.peer_settings"
    connection = setup_django()
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], 0)


def run(args):
    from django.test import Client

    client = Client()
    progress("building both sites")
    pages = build_site()
    requests = cases(client, pages)
    progress(f"measuring {len(requests)} requests in {args.rounds} rounds")
    results = measure(requests, args.rounds)

    rows = [("figure", "wagtail-dvt ms", "xtd ms", "ratio", "queries", "bytes")]
    ratios = {}
    for figure, ours, theirs in COMPARISONS:
        a, b = results[ours], results[theirs]
        ratios[figure] = round(a["median_ms"] / b["median_ms"], 3)
        rows.append(
            (
                figure,
                a["median_ms"],
                b["median_ms"],
                f"{ratios[figure]:.2f}x",
                f"{a['queries']} vs {b['queries']}",
                f"{a['bytes']} vs {b['bytes']}",
            )
        )
    reference = results["xtd api 2000 unpaginated"]
    rows.append(
        (
            "(xtd's own API mount, 2,000, unpaginated)",
            "",
            reference["median_ms"],
            "",
            reference["queries"],
            reference["bytes"],
        )
    )

    memory_urls = {
        "dvt page 2000": pages["dvt big"].url,
        "xtd page 2000 paged": pages["xtd big paged"].url,
        "xtd page 2000 all": pages["xtd big"].url,
        "dvt page threaded": pages["dvt threaded"].url,
        "xtd page threaded paged": pages["xtd threaded paged"].url,
        "xtd page threaded by thread": pages["xtd threaded by thread"].url,
        "xtd page threaded all": pages["xtd threaded"].url,
    }
    progress("measuring memory")
    memory_figures = memory(client, memory_urls, args.renders)
    rows.append(("", "", "", "", "", ""))
    rows.append(
        (
            f"memory ({args.renders} renders; 3 traced)",
            "RSS growth MiB",
            "traced peak MiB",
            "traced retained MiB",
            "",
            "",
        )
    )
    for name, figures in memory_figures.items():
        rows.append(
            (
                name,
                figures["rss_growth_mib"],
                figures["peak_mib"],
                figures["retained_mib"],
                "",
                "",
            )
        )
    report(
        "peer_comments",
        rows,
        {
            "rounds": args.rounds,
            "renders": args.renders,
            "results": results,
            "ratios": ratios,
            "memory": memory_figures,
        },
    )


if __name__ == "__main__":
    main()
