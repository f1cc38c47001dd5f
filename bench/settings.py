"""Settings for the benchmarks: the test settings on a throwaway database.

SQLite benchmarks use a file (an in-memory database would flatter every
write); with DATABASE_URL they run on that server's ``test_`` database.
"""

import tempfile
from pathlib import Path

from example_site.settings.test import *  # noqa: F403
from example_site.settings.test import DATABASES

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / "wagtail_dvt_bench.sqlite3")
    }
