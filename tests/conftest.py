"""Shared fixtures for the database, page, API and packaging tests.

The parser tests need none of these: they only read files.
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from dvt_testing import FROZEN_AT
from hypothesis import settings as hypothesis_settings
from wagtail.models import Revision, Site

from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document, parse_document
from wagtail_dvt.models import Comment, get_article_model, get_base_page_model

ArticlePage = get_article_model()
Page = get_base_page_model()

# Speed is measured in bench/, not here: Hypothesis's 200 ms deadline per
# example fails tests on a busy 2-core CI machine for no fault of the code.
hypothesis_settings.register_profile("dvt", deadline=None)
hypothesis_settings.load_profile("dvt")


@pytest.fixture(autouse=True)
def _forget_cached_sites():
    """Start and end each test with no cached Site root paths.

    Wagtail caches them and clears the cache when a Site is saved or deleted,
    but a test's rollback deletes its Sites without a signal: the next test
    in that worker would see two Sites, and absolute page URLs.
    """
    Site.clear_site_root_paths_cache()
    yield
    Site.clear_site_root_paths_cache()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: builds a wheel or runs manage.py in a subprocess "
        "(deselect with -m 'not slow')",
    )


# `make mutation` runs pytest once per mutant. Migrating a fresh test database
# each time costs more than the tests a mutant needs, so there each session
# starts from its own copy of one migrated SQLite file, built by the first
# session (the tests' effects never reach the template).
TEST_DB_TEMPLATE = os.environ.get("WAGTAIL_DVT_TEST_DB_TEMPLATE")

if TEST_DB_TEMPLATE:

    @pytest.fixture(scope="session")
    def django_db_keepdb():
        return True

    @pytest.fixture(scope="session")
    def django_db_modify_db_settings(
        django_db_modify_db_settings_parallel_suffix, django_db_blocker
    ):
        from django.db import connections

        database = connections["default"].settings_dict
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise RuntimeError("WAGTAIL_DVT_TEST_DB_TEMPLATE needs SQLite")
        if not os.path.exists(TEST_DB_TEMPLATE):
            _build_test_db_template(database, django_db_blocker)
        session_copy = f"{TEST_DB_TEMPLATE}.{os.getpid()}"
        shutil.copyfile(TEST_DB_TEMPLATE, session_copy)
        database.setdefault("TEST", {})["NAME"] = session_copy
        yield
        connections["default"].close()
        os.remove(session_copy)

    def _build_test_db_template(database, django_db_blocker):
        """Migrate a new SQLite file as Django's test runner would, then publish it."""
        from django.db import connections

        building = f"{TEST_DB_TEMPLATE}.building.{os.getpid()}"
        name = database["NAME"]
        connections["default"].close()
        database["NAME"] = building
        try:
            with django_db_blocker.unblock():
                call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
                call_command("createcachetable", verbosity=0)
        finally:
            connections["default"].close()
            database["NAME"] = name
        os.replace(building, TEST_DB_TEMPLATE)


@dataclass
class CommandRun:
    """What one ``import_article`` call printed, and the CommandError it raised."""

    stdout: str
    stderr: str
    error: CommandError | None

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


@pytest.fixture
def run_import(db):
    """Call ``import_article`` with the given arguments; capture its output.

    A ``CommandError`` is the command's documented way to fail, so it is
    returned rather than raised. Anything else escaping the command is a bug
    (the user would see a traceback), and fails the test with that message.
    """

    def run(*args: str, expect_error: bool = False) -> CommandRun:
        stdout, stderr = io.StringIO(), io.StringIO()
        error = None
        try:
            call_command("import_article", *args, stdout=stdout, stderr=stderr)
        except CommandError as err:
            error = err
        except Exception as err:
            pytest.fail(
                f"import_article {' '.join(args)} crashed with "
                f"{type(err).__name__}: {err}; a user error must become a "
                "CommandError with a 'PATH:LINE: message' line on stderr"
            )
        run = CommandRun(stdout.getvalue(), stderr.getvalue(), error)
        if expect_error:
            assert error is not None, f"expected a CommandError; got {run}"
        else:
            assert error is None, f"unexpected CommandError {error}; got {run}"
        return run

    return run


@pytest.fixture
def clock(time_machine):
    """Time stands still at ``FROZEN_AT``; ``clock.shift(seconds)`` moves it on.

    Ages, intervals and ``Retry-After`` are then exact, however long a call
    takes on a busy machine, and no test waits for real.
    """
    time_machine.move_to(FROZEN_AT, tick=False)
    return time_machine


@pytest.fixture
def db_counts(db):
    """A callable returning ``(pages, comments, revisions)`` in the database."""

    def counts() -> tuple[int, int, int]:
        return (Page.objects.count(), Comment.objects.count(), Revision.objects.count())

    return counts


@pytest.fixture
def root_page(db):
    """The default Site's root page (the demo's HomePage)."""
    return Site.objects.get(is_default_site=True).root_page.specific


@pytest.fixture
def bundled_text() -> str:
    """The bundled document from this checkout, as text."""
    return BUNDLED_DOCUMENT.read_text(encoding="utf-8")


@pytest.fixture
def bundled_document():
    """The bundled document as the parser reads it: the expected values."""
    return parse_document(BUNDLED_DOCUMENT.read_bytes(), str(BUNDLED_DOCUMENT))


@pytest.fixture
def imported_article(db, root_page):
    """The ``ImportResult`` of importing the bundled document under the root."""
    return import_document(BUNDLED_DOCUMENT)


@pytest.fixture
def article(imported_article) -> ArticlePage:
    """The live ArticlePage that the bundled import created."""
    return ArticlePage.objects.get(pk=imported_article.page_id)


@pytest.fixture
def write_document(tmp_path):
    """Write text (or bytes) to ``tmp_path / name`` and return the path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
