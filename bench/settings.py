"""Settings for the benchmarks: the test settings on a throwaway database.

With ``BENCH_SWAPPED=1``, the swapped test site's settings instead.
SQLite benchmarks use a file (an in-memory database would flatter every
write); with DATABASE_URL they run on that server's ``test_`` database.
"""

import os
import tempfile
from pathlib import Path

if os.environ.get("BENCH_SWAPPED"):
    # A site with its own article model, on a custom base page model on
    # Wagtail 8 (tests/swapped): BENCH_SWAPPED=1 python bench/<script>.py
    from tests.settings_swapped import *  # noqa: F403
    from tests.settings_swapped import DATABASES
else:
    from example_site.settings.test import *  # noqa: F403
    from example_site.settings.test import DATABASES

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / "wagtail_dvt_bench.sqlite3")
    }

# The load benchmark's server process joins the database the benchmark made.
if os.environ.get("BENCH_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]

# Load clients on 127.0.0.1 stand for many readers: each request names its
# reader's address in X-Forwarded-For, as a reverse proxy would. No emails.
WAGTAIL_DVT = {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "NOTIFY_MODERATORS": False}
