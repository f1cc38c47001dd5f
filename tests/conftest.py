"""Shared fixtures for the database, page, API and packaging tests.

The parser tests need none of these: they only read files.
"""

from __future__ import annotations

import io
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
