"""Two ``import_article`` processes importing the same documents at once.

Runs on PostgreSQL only (the CI's second stage): SQLite serializes writers by
locking the whole file, so it cannot show the race this guards against.
"""

import os
import subprocess
import sys

import pytest
from django.db import connection
from dvt_testing import REPO_ROOT, retitled

from wagtail_dvt.models import Comment, get_article_model

ArticlePage = get_article_model()

pytestmark = [
    pytest.mark.slow,
    # Commit for real, so that the other processes see the data, and restore
    # the migrations' Site and pages afterwards for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs a PostgreSQL server (DATABASE_URL); SQLite locks the file",
    ),
]

DOCUMENTS = 40


def database_url():
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def test_two_processes_create_each_page_once(tmp_path, bundled_text):
    from wagtail_dvt.models import get_base_page_model

    Page = get_base_page_model()
    for number in range(DOCUMENTS):
        text = retitled(bundled_text, f"Concurrent article {number}")
        (tmp_path / f"doc{number:03d}.txt").write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "example_site.settings.test"
        ),
    }
    command = [
        sys.executable,
        str(REPO_ROOT / "example_site" / "manage.py"),
        "import_article",
        str(tmp_path),
        "--batch-size",
        "10",
    ]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    for process, (_stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr
    reports = b"".join(stdout for stdout, _ in outputs).decode()
    assert reports.count(": created ") == DOCUMENTS
    assert reports.count(": unchanged ") == DOCUMENTS
    assert ArticlePage.objects.count() == DOCUMENTS
    assert Comment.objects.count() == DOCUMENTS * 19
    assert Page.find_problems() == ([], [], [], [], [])
