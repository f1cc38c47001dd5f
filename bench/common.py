"""Shared set-up for the benchmarks: a fresh database, documents, reports."""

import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TITLE = "The Role of Interventional Radiology in Deep Vein Thrombosis Treatment"


def setup_django():
    """Configure Django with bench.settings and create a fresh database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection


def bundled_text():
    from wagtail_dvt.importer import BUNDLED_DOCUMENT

    return BUNDLED_DOCUMENT.read_text(encoding="utf-8")


def variants(count, label="variant"):
    """``count`` distinct documents: the bundled one under numbered titles."""
    text = bundled_text()
    return [
        (f"{label}-{number:05d}.txt", text.replace(TITLE, f"{TITLE} {label} {number}"))
        for number in range(count)
    ]


def add_approved_comments(page, count):
    """Give ``page`` ``count`` more approved comments, a minute apart."""
    from datetime import timedelta

    from django.utils import timezone

    from wagtail_dvt.models import Comment

    start = timezone.now() - timedelta(days=60)
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


def add_threaded_comments(page, count):
    """Give ``page`` ``count`` approved comments, 40% of them replies, up to depth 3.

    Two of every five comments answer the one before: a reply, then a reply
    to it, as the conversations of issue 17's figures are shaped.
    """
    from datetime import timedelta

    from django.utils import timezone

    from wagtail_dvt.models import Comment

    start = timezone.now() - timedelta(days=60)
    made = []
    for number in range(count):
        parent = made[-1] if number % 5 in (1, 2) else None
        made.append(
            Comment(
                page=page,
                parent=parent,
                level=parent.level + 1 if parent else 0,
                author_name=f"Reader {number}",
                body=f"Comment number {number}.\nWith a second line.",
                posted_at=start + timedelta(minutes=number),
                status="approved",
            )
        )
    for level in range(3):  # parents are saved before their replies
        Comment.objects.bulk_create([c for c in made if c.level == level])
    return made


def measure(client, urls, requests):
    """Median latency and query count of ``requests`` GETs of each of ``urls``.

    ``urls`` maps names to URLs, or to ``(url, headers)`` pairs: a pair
    with ``If-None-Match`` or ``If-Modified-Since`` expects a 304. The
    requests take turns, one of each URL per round in a shuffled order, so
    that a slower or faster spell of the machine (another process, CPU
    frequency, the garbage collector) weighs on every URL alike and the
    ratios between them stay fair.

    Returns ``{name: {"median_ms": ..., "queries": ...}}``.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = {
        name: url if isinstance(url, tuple) else (url, {}) for name, url in urls.items()
    }
    samples = {name: [] for name in urls}
    for url, headers in urls.values():
        client.get(url, headers=headers)  # warm caches, as a running site has them
    rounds = random.Random(0)  # noqa: S311 - an order, not a secret
    for _ in range(requests):
        order = list(urls.items())
        rounds.shuffle(order)  # no URL always goes first
        for name, (url, headers) in order:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            samples[name].append(time.perf_counter() - started)
            conditional = {"If-None-Match", "If-Modified-Since"} & set(headers)
            expected = 304 if conditional else 200
            if response.status_code != expected:
                raise SystemExit(f"{url} answered {response.status_code}")
    figures = {}
    for name, (url, headers) in urls.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        figures[name] = {"median_ms": median_ms(samples[name]), "queries": len(queries)}
    return figures


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 3)


def machine():
    import django
    import wagtail
    from django.db import connection

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "database": connection.vendor,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def report(name, rows, data):
    """Print ``rows`` as a table and write ``data`` to bench/results/NAME.json."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = zip(row, widths, strict=True)
        print("  ".join(str(cell).ljust(width) for cell, width in cells))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{machine()['database']}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2))
    print(f"\nwrote {path.relative_to(ROOT)}")
