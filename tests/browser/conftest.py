"""A real server and a real browser for the end-to-end tests.

The example site runs in a subprocess (``manage.py runserver --noreload``) on
127.0.0.1 and a free port, over a migrated SQLite file in a temporary
directory, with the bundled article imported, an article with 3,000 comments
and one superuser: the browser needs a server that outlives a request, which
pytest-django's in-memory test database is not. One server serves the whole session.

Chromium is Debian's (``apt-get install chromium``), driven by Playwright; the
accessibility check injects axe-core from the npm registry. ``make test``
installs both and sets ``WAGTAIL_DVT_BROWSER_REQUIRED=1``, which turns a
missing prerequisite into an error; a plain ``pytest`` run skips these tests
instead, with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_helpers import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CROWDED_COMMENTS,
    PAGE_EDITOR,
    PASSWORD,
    TIMEOUT_MS,
    USERNAME,
    LiveSite,
)
from django.conf import settings
from dvt_testing import REPO_ROOT

SERVER_START_TIMEOUT = 60

# Creates the database, imports the bundled article and the superuser, and
# prints the ids the tests need, in one interpreter start.
BOOTSTRAP = """
import json, os, django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Site
from wagtail_dvt.importer import import_document

call_command("migrate", interactive=False, verbosity=0)
result = import_document()
get_user_model().objects.create_superuser(
    os.environ["BROWSER_USERNAME"], "editor@example.com", os.environ["BROWSER_PASSWORD"]
)
# A member of Wagtail's "Editors" group: adds pages, never publishes.
from django.contrib.auth.models import Group
get_user_model().objects.create_user(
    os.environ["BROWSER_PAGE_EDITOR"], "pages@example.com",
    os.environ["BROWSER_PASSWORD"],
).groups.add(Group.objects.get(name="Editors"))

# An article with more comments than an InlinePanel could post under
# DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000, seeded in bulk.
import datetime
from django.utils import timezone
from wagtail_dvt.models import Comment, get_article_model

ArticlePage = get_article_model()

home = Site.objects.get(is_default_site=True).root_page
crowded = home.add_child(instance=ArticlePage(
    title="An article with 3,000 comments", slug="crowded", author="Dr. Vein",
    date=datetime.date(2024, 5, 1),
    body=[("section", {"heading": "Intro", "content": "Many readers wrote in."})],
))
crowded.save_revision().publish()
start = timezone.now() - datetime.timedelta(days=30)
statuses = ["approved", "approved", "approved", "pending", "spam", "rejected"]
Comment.objects.bulk_create(
    Comment(
        page=crowded, author_name=f"Reader {n}", body=f"Comment {n} of many.",
        posted_at=start + datetime.timedelta(minutes=n),
        status=statuses[n % len(statuses)], email=f"reader{n}@example.org",
    )
    for n in range(int(os.environ["BROWSER_CROWDED_COMMENTS"]))
)
# A thread at full depth (3), with long words, for the 360 px layout.
threaded = home.add_child(instance=ArticlePage(
    title="A conversation", slug="conversation", author="Dr. Vein",
    date=datetime.date(2024, 5, 2),
    body=[("section", {"heading": "Intro", "content": "Readers answer."})],
))
threaded.save_revision().publish()
parent = None
for level in range(3):
    parent = Comment.objects.create(
        page=threaded, parent=parent, status="approved",
        author_name=f"Replier{level} Withaverylongsurnameindeed",
        body="Thrombophlebitisandpostthromboticsyndrome " * 3,
        posted_at=start + datetime.timedelta(minutes=level),
    )
print(json.dumps({
    "home_id": home.pk,
    "article_id": result.page_id,
    "crowded_article_id": crowded.pk,
}))
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives Chromium against the example site in a subprocess"
    )


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


SERVER_LOGS: list[Path] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and SERVER_LOGS and "live_site" in item.fixturenames:
        lines = SERVER_LOGS[-1].read_text(errors="replace").splitlines()
        report.sections.append(
            ("example site log (last 40 lines)", "\n".join(lines[-40:]))
        )
    return report


def _missing_prerequisite() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed: pip install -e .[testing]"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    if not AXE_JS.exists():
        return f"{AXE_JS} is missing: make axe (npm install axe-core)"
    return None


@pytest.fixture(scope="session")
def browser_prerequisites():
    missing = _missing_prerequisite()
    if missing:
        if os.environ.get("WAGTAIL_DVT_BROWSER_REQUIRED"):
            pytest.fail(f"Browser tests cannot run: {missing}", pytrace=False)
        pytest.skip(f"Browser tests skipped: {missing}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_site(browser_prerequisites, tmp_path_factory):
    """The example site, served by ``runserver`` for the whole session."""
    workdir = tmp_path_factory.mktemp("live-site")
    port = _free_port()
    # Another origin than the site's (another port), allowed by
    # the example site's CORS settings: test_front_end.py serves a page there.
    front_origin = f"http://127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        # The demo's dev settings, or the swapped test site's counterpart.
        "DJANGO_SETTINGS_MODULE": getattr(
            settings, "WAGTAIL_DVT_TEST_LIVE_SETTINGS", "example_site.settings.dev"
        ),
        # Its own database, whatever DATABASE_URL the rest of the suite uses.
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
        ),
        "BROWSER_USERNAME": USERNAME,
        "BROWSER_PASSWORD": PASSWORD,
        "BROWSER_PAGE_EDITOR": PAGE_EDITOR,
        "BROWSER_CROWDED_COMMENTS": str(CROWDED_COMMENTS),
        "PYTHONUNBUFFERED": "1",
        # Absolute URLs (WAGTAILAPI_BASE_URL) lead to this server.
        "DEMO_HOST": "127.0.0.1",
        "DEMO_PORT": str(port),
        "DEMO_CORS_ORIGIN": front_origin,
    }
    bootstrap = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", BOOTSTRAP],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if bootstrap.returncode:
        pytest.fail(f"Setting up the example site failed:\n{bootstrap.stderr}")
    ids = json.loads(bootstrap.stdout.strip().splitlines()[-1])

    log_path = workdir / "server.log"
    SERVER_LOGS.append(log_path)
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                str(REPO_ROOT / "example_site/manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    site = LiveSite(
        url=f"http://127.0.0.1:{port}",
        front_origin=front_origin,
        database=workdir / "db.sqlite3",
        **ids,
    )
    try:
        _wait_until_serving(site.url + "/", server, log_path)
        yield site
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_serving(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"runserver exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"runserver did not answer {url} in time:\n{log_path.read_text()}")


@pytest.fixture(scope="module")
def browser(browser_prerequisites):
    """Chromium for one test module.

    Module-scoped, not session-scoped: Playwright's synchronous API keeps an
    event loop, which would make Django refuse database access in the test
    modules that run after this one.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _page_opener(browser):
    """Yield a function opening pages in fresh contexts (no shared cookies);
    closes them afterwards. Serves fixtures of any scope."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts, closed after the test."""
    yield from _page_opener(browser)


@pytest.fixture(scope="module")
def new_module_page(browser):
    """Pages in fresh browser contexts, kept open for the whole module."""
    yield from _page_opener(browser)
