"""The data steps of migration 0003: fingerprints, announcements, aliases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from dvt_testing import make_article

from wagtail_dvt.comments.text import comment_fingerprint
from wagtail_dvt.models import Comment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("wagtail_dvt", "0002_import_records_and_tombstones")]
AFTER = [("wagtail_dvt", "0003_comment_fingerprint_announcements")]
POSTED = dt.datetime(2024, 5, 2, 12, 0, tzinfo=dt.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_0003_fingerprints_comments_and_gives_aliases_comments_back(root_page):
    source = make_article(root_page, title="Source")
    alias = source.create_alias(parent=root_page, update_slug="alias")

    old = migrate(BEFORE).get_model("wagtail_dvt", "Comment")
    fields = {"body": "Old comment.", "posted_at": POSTED, "status": "approved"}
    kept = old.objects.create(page_id=source.pk, author_name="Ann", **fields)
    # What Wagtail's alias code made: a copy of the source's comment...
    copy = old.objects.create(page_id=alias.pk, author_name="Ann", **fields)
    # ...and a comment a reader posted on the alias.
    posted = old.objects.create(
        page_id=alias.pk, author_name="Bo", body="On the alias.", posted_at=POSTED
    )

    migrate(AFTER)

    assert not Comment.objects.filter(pk=copy.pk).exists()
    assert Comment.objects.get(pk=posted.pk).page_id == source.pk
    comment = Comment.objects.get(pk=kept.pk)
    assert comment.fingerprint == comment_fingerprint("Ann", "Old comment.")
    # Emailed one by one before this version: not announced again.
    assert comment.announced_at == POSTED
    assert not Comment.objects.filter(announced_at__isnull=True).exists()
