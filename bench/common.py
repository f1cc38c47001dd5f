"""Shared set-up for the benchmarks: a fresh database, documents, reports."""

import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
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


@contextmanager
def timer(into, key):
    started = time.perf_counter()
    yield
    into[key] = time.perf_counter() - started


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
