"""Import throughput: the plugin's batched path against idiomatic Wagtail.

The idiomatic path is what Wagtail's docs show for creating pages:
``parent.add_child(instance=page)`` with the comments in the page's cluster,
then ``page.save_revision().publish()``. Both run in this process, on the
same database, one after the other, so the ratio compares like with like.

    python bench/import_throughput.py [--documents 1000] [--scale 5000]
"""

import argparse
import time

from common import report, setup_django, variants


def idiomatic_import(parent, documents, timezone):
    from django.db import transaction
    from django.utils import timezone as django_timezone

    from wagtail_dvt.importer import parse_document
    from wagtail_dvt.importer.writer import article_slug
    from wagtail_dvt.models import Comment, get_article_model

    ArticlePage = get_article_model()
    for name, text in documents:
        document = parse_document(text, name)
        with transaction.atomic():
            page = ArticlePage(
                title=document.title,
                slug=article_slug(document),
                author=document.author,
                date=document.date,
                body=[
                    ("section", {"heading": s.heading, "content": s.content})
                    for s in document.sections
                ],
            )
            page.reader_comments = [
                Comment(
                    author_name=c.author_name,
                    body=c.body,
                    posted_at=django_timezone.make_aware(c.posted_at, timezone),
                    status="approved",
                )
                for c in document.comments
            ]
            parent.add_child(instance=page)
            page.save_revision().publish()


def plugin_import(parent, documents, batch_size=100, on_batch=None):
    from wagtail_dvt.importer import import_documents

    started = time.perf_counter()
    for index, outcome in enumerate(
        import_documents(
            [(name, text.encode()) for name, text in documents],
            parent=parent,
            batch_size=batch_size,
        ),
        start=1,
    ):
        if not hasattr(outcome, "action") or outcome.action != "created":
            raise SystemExit(f"unexpected outcome: {outcome}")
        if on_batch and index % batch_size == 0:
            on_batch(time.perf_counter() - started)
            started = time.perf_counter()


def new_parent(title):
    from django.apps import apps

    from wagtail_dvt.models import get_base_page_model

    # The demo's home page type, or the swapped test site's (tests/swapped).
    HomePage = apps.get_model("home", "HomePage")
    root = get_base_page_model().get_first_root_node()
    return root.add_child(instance=HomePage(title=title, slug=title.lower()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=5000)
    args = parser.parse_args()
    setup_django()
    from django.utils import timezone as django_timezone

    from wagtail_dvt.models import get_article_model

    ArticlePage = get_article_model()
    timezone = django_timezone.get_default_timezone()
    times = {}

    documents = variants(args.documents, "idiomatic")
    parent = new_parent("Idiomatic")
    started = time.perf_counter()
    idiomatic_import(parent, documents, timezone)
    times["idiomatic"] = time.perf_counter() - started

    documents = variants(args.documents, "plugin")
    parent = new_parent("Plugin")
    started = time.perf_counter()
    plugin_import(parent, documents)
    times["plugin"] = time.perf_counter() - started
    if ArticlePage.objects.child_of(parent).live().count() != args.documents:
        raise SystemExit("the plugin's import did not create every page")

    batches = []
    plugin_import(
        new_parent("Scale"), variants(args.scale, "scale"), on_batch=batches.append
    )
    tenth = max(1, len(batches) // 10)
    first, last = sum(batches[:tenth]), sum(batches[-tenth:])

    rate = {key: args.documents / seconds for key, seconds in times.items()}
    rows = [
        ("path", "documents", "seconds", "documents/s"),
        (
            "idiomatic Wagtail",
            args.documents,
            f"{times['idiomatic']:.1f}",
            f"{rate['idiomatic']:.1f}",
        ),
        (
            "wagtail-dvt import",
            args.documents,
            f"{times['plugin']:.1f}",
            f"{rate['plugin']:.1f}",
        ),
        ("speed-up", "", "", f"{rate['plugin'] / rate['idiomatic']:.2f}x"),
        (
            f"scale: first 10% of {args.scale}",
            len(batches[:tenth]) * 100,
            f"{first:.2f}",
            f"{tenth * 100 / first:.1f}",
        ),
        (
            f"scale: last 10% of {args.scale}",
            len(batches[-tenth:]) * 100,
            f"{last:.2f}",
            f"{tenth * 100 / last:.1f}",
        ),
        ("last/first per-page cost", "", "", f"{last / first:.3f}"),
    ]
    report(
        "import_throughput",
        rows,
        {
            "documents": args.documents,
            "idiomatic_per_second": rate["idiomatic"],
            "plugin_per_second": rate["plugin"],
            "speed_up": rate["plugin"] / rate["idiomatic"],
            "scale_documents": args.scale,
            "scale_batch_seconds": batches,
            "scale_last_over_first": last / first,
        },
    )


if __name__ == "__main__":
    main()
