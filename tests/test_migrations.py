"""The data steps of migrations 0003, 0004 and 0008, and the upgrade from 0.1.0."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from dvt_testing import make_article

from wagtail_dvt.comments.text import comment_fingerprint
from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
from wagtail_dvt.models import Comment, get_article_model
from wagtail_dvt.tombstones import DeletedComment

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

    Comment = migrate(AFTER).get_model("wagtail_dvt", "Comment")

    assert not Comment.objects.filter(pk=copy.pk).exists()
    assert Comment.objects.get(pk=posted.pk).page_id == source.pk
    comment = Comment.objects.get(pk=kept.pk)
    assert comment.fingerprint == comment_fingerprint("Ann", "Old comment.")
    # Emailed one by one before this version: not announced again.
    assert comment.announced_at == POSTED
    assert not Comment.objects.filter(announced_at__isnull=True).exists()


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """Leave the database at the latest migrations for the tests that follow."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_0003_drops_alias_copies_of_comments_moderators_redacted_or_deleted(
    root_page,
):
    source = make_article(root_page, title="Source")
    alias = source.create_alias(parent=root_page, update_slug="alias")
    old = migrate(BEFORE)
    OldComment = old.get_model("wagtail_dvt", "Comment")
    OldDeleted = old.get_model("wagtail_dvt", "DeletedComment")
    fields = {"posted_at": POSTED, "status": "approved"}
    # Redacted on the source; the alias still holds the original text.
    OldComment.objects.create(
        page_id=source.pk, author_name="Ann", body="[removed]", **fields
    )
    redacted = OldComment.objects.create(
        page_id=alias.pk, author_name="Ann", body="Rude words.", **fields
    )
    # Deleted from the source, with its tombstone; the alias held a copy.
    OldDeleted.objects.create(
        page_id=source.pk, author_name="Cy", posted_at=POSTED + dt.timedelta(seconds=9)
    )
    deleted = OldComment.objects.create(
        page_id=alias.pk, author_name="Cy", body="Spam.", **fields
    )
    # Deleted from the source before tombstones existed: can't be told from a
    # reader's post on the alias, so it is held for moderation, not published.
    unknown = OldComment.objects.create(
        page_id=alias.pk, author_name="Di", body="Who knows.", **fields
    )

    Comment = migrate(AFTER).get_model("wagtail_dvt", "Comment")

    assert not Comment.objects.filter(pk__in=[redacted.pk, deleted.pk]).exists()
    assert list(
        Comment.objects.filter(status="approved").values_list("body", flat=True)
    ) == ["[removed]"]
    moved = Comment.objects.get(pk=unknown.pk)
    assert (moved.page_id, moved.status) == (source.pk, "pending")


def first_release_targets():
    """0.1.0's schema: wagtail_dvt's first migration, and the site's article app's."""
    targets = [("wagtail_dvt", "0001_initial")]
    label = get_article_model()._meta.app_label
    if label != "wagtail_dvt":
        targets.append((label, "0001_initial"))
    return targets


@pytest.fixture
def upgraded_article(root_page):
    """The bundled article as 0.1.0 imported it, after moderators deleted two
    comments (0.1.0 kept no tombstones), then upgraded."""
    page_id = import_document(BUNDLED_DOCUMENT, parent=root_page).page_id
    old = migrate(first_release_targets())
    OldComment = old.get_model("wagtail_dvt", "Comment")
    OldComment.objects.filter(
        page_id=page_id, author_name__in=["Naomi Ho", "Macy Weaver"]
    ).delete()
    OldComment.objects.filter(page_id=page_id, author_name="Jim McDermott").update(
        body="[Removed by a moderator]"
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    page = get_article_model().objects.get(pk=page_id)
    assert page.dvt_source_key == ""
    return page


def test_the_first_import_after_the_upgrade_reports_missing_comments(
    upgraded_article,
):
    before = set(Comment.objects.values_list("pk", "author_name", "body"))

    result = import_document(BUNDLED_DOCUMENT, parent=upgraded_article.get_parent())

    assert result.page_id == upgraded_article.pk
    assert (result.comments_added, result.comments_missing) == (0, 2)
    assert set(Comment.objects.values_list("pk", "author_name", "body")) == before
    upgraded_article.refresh_from_db()
    assert upgraded_article.dvt_source_key
    # And on every import after it.
    again = import_document(BUNDLED_DOCUMENT, parent=upgraded_article.get_parent())
    assert (again.comments_added, again.comments_missing) == (0, 2)
    assert set(Comment.objects.values_list("pk", "author_name", "body")) == before


def test_restore_missing_brings_back_what_was_missing_at_the_upgrade(
    upgraded_article,
):
    parent = upgraded_article.get_parent()
    import_document(BUNDLED_DOCUMENT, parent=parent)

    result = import_document(BUNDLED_DOCUMENT, parent=parent, restore_missing=True)

    assert result.comments_added == 2
    names = Comment.objects.values_list("author_name", flat=True)
    assert {"Naomi Ho", "Macy Weaver"} <= set(names)
    # The redacted comment is not added in its original form.
    assert Comment.objects.filter(author_name="Jim McDermott").count() == 1
    assert import_document(BUNDLED_DOCUMENT, parent=parent).comments_added == 0


def test_0004_carries_tombstones_forward_as_hashes_without_names(root_page):
    page_id = import_document(BUNDLED_DOCUMENT, parent=root_page).page_id
    old = migrate(BEFORE + first_release_targets()[1:])
    naomi = old.get_model("wagtail_dvt", "Comment").objects.get(
        page_id=page_id, author_name="Naomi Ho"
    )
    old.get_model("wagtail_dvt", "DeletedComment").objects.create(
        page_id=page_id, author_name="Naomi Ho", posted_at=naomi.posted_at
    )
    naomi.delete()

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    row = DeletedComment.objects.values().get()
    assert "Naomi" not in repr(row)
    # A moderator's deletion: not "missing", so --restore-missing keeps it out.
    parent = get_article_model().objects.get(pk=page_id).get_parent()
    result = import_document(BUNDLED_DOCUMENT, parent=parent, restore_missing=True)
    assert (result.comments_added, result.comments_deleted) == (0, 1)
    assert not Comment.objects.filter(author_name="Naomi Ho").exists()


def test_0008_leaves_existing_comments_without_an_account(root_page):
    page = make_article(root_page, title="Before accounts")
    old = migrate([("wagtail_dvt", "0007_comment_threads")])
    before = old.get_model("wagtail_dvt", "Comment").objects.create(
        page_id=page.pk, author_name="Ann", body="Before accounts.", posted_at=POSTED
    )

    new = migrate([("wagtail_dvt", "0008_comment_user")])

    comment = new.get_model("wagtail_dvt", "Comment").objects.get(pk=before.pk)
    assert (comment.author_name, comment.user_id) == ("Ann", None)
