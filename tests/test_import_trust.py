"""Import and export that keep everyone's work (issue 10).

Re-import keeps what editors changed since the last import and comments that
moderators deleted; export carries web comments and never makes a hidden
comment public; special files and odd input fail by name, one document at a
time; ``--dry-run`` reports what the real run does.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from dvt_testing import BUNDLED_SLUG, line_of, retitled
from wagtail.models import Locale, Revision

from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
from wagtail_dvt.importer.identity import entry_fingerprint, tombstone_hash
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    DeletedComment,
    get_article_model,
    get_base_page_model,
)

ArticlePage = get_article_model()
Page = get_base_page_model()

EDITED_HEADING = "What a deep vein thrombosis is"
FIRST_HEADING = "Understanding Deep Vein Thrombosis"
NEW_COMMENT = "\n\nZoe Park\nZoe Park\nThank you, very clear.\nJuly 2, 2023 at 08:15"


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com")


def publish_edit(page, user, **fields):
    """Save and publish a revision as the page editor does, changing ``fields``
    and the first section's heading."""
    draft = page.get_latest_revision_as_object()
    body = draft.body.raw_data
    body[0]["value"]["heading"] = EDITED_HEADING
    draft.body = body
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.save_revision(user=user).publish(user=user)
    return ArticlePage.objects.get(pk=page.pk)


def headings(page):
    return [block.value["heading"] for block in page.body]


def json_report(run):
    return json.loads(run.stdout)


def outcomes(run):
    """What a ``--format json`` run did to each document, without page ids
    (a dry run has none for the pages it would create)."""
    return [
        (doc["source"], doc["action"], doc["comments_added"], doc["comments_deleted"])
        for doc in json_report(run)["documents"]
    ] + [("error", error) for error in json_report(run)["errors"]]


# -- re-import keeps editors' work -------------------------------------------


def test_reimport_keeps_a_heading_an_editor_published(
    article, superuser, run_import, db_counts
):
    page = publish_edit(article, superuser)
    before = db_counts()

    run = run_import()

    page.refresh_from_db()
    assert headings(page)[0] == EDITED_HEADING
    assert headings(page.get_latest_revision_as_object())[0] == EDITED_HEADING
    assert db_counts() == before
    assert "kept" in run.stdout
    assert "edited in Wagtail since the last import" in run.stdout
    assert "--overwrite" in run.stdout


def test_overwrite_replaces_an_editors_heading(article, superuser, run_import):
    publish_edit(article, superuser, author="Someone Else")

    run = run_import("--overwrite")

    page = ArticlePage.objects.get(pk=article.pk)
    assert headings(page)[0] == FIRST_HEADING
    assert page.author == "Hamish Negi"
    assert "updated" in run.stdout
    # The import's revision is now the latest: the next import changes nothing.
    assert "unchanged" in run_import().stdout


def test_a_kept_page_still_gets_the_documents_new_comments(
    article, superuser, bundled_text, write_document, run_import
):
    publish_edit(article, superuser)
    path = write_document("more.txt", bundled_text + NEW_COMMENT)
    revisions = Revision.objects.count()

    run = run_import(str(path))

    page = ArticlePage.objects.get(pk=article.pk)
    assert headings(page)[0] == EDITED_HEADING
    assert Revision.objects.count() == revisions
    added = page.reader_comments.get(author_name="Zoe Park")
    assert added.status == CommentStatus.APPROVED
    assert page.reader_comments.count() == 20
    assert "kept" in run.stdout and "(1 new)" in run.stdout


def test_an_editors_draft_of_an_unpublished_import_is_neither_replaced_nor_published(
    superuser, run_import
):
    run_import("--draft")
    page = ArticlePage.objects.get()
    draft = page.get_latest_revision_as_object()
    draft.title = "A better title"
    draft.save_revision(user=superuser)

    run = run_import()

    page.refresh_from_db()
    assert not page.live
    assert page.get_latest_revision_as_object().title == "A better title"
    assert "kept" in run.stdout


def test_reimport_keeps_a_french_translation(root_page, superuser, run_import):
    run_import()
    english = ArticlePage.objects.get()
    french_locale = Locale.objects.create(language_code="fr")
    with override_settings(
        WAGTAIL_I18N_ENABLED=True,
        WAGTAIL_CONTENT_LANGUAGES=[("en", "English"), ("fr", "French")],
        LANGUAGES=[("en", "English"), ("fr", "French")],
    ):
        french_home = root_page.copy_for_translation(french_locale)
        french_home.save_revision().publish()
        french = english.copy_for_translation(french_locale).specific
        draft = french.get_latest_revision_as_object()
        draft.title = "Le rôle de la radiologie interventionnelle"
        draft.save_revision(user=superuser).publish(user=superuser)

        run = run_import("--parent", str(french_home.pk))

    french = ArticlePage.objects.get(pk=french.pk)
    assert french.title == "Le rôle de la radiologie interventionnelle"
    assert french.locale == french_locale
    assert "kept" in run.stdout
    assert ArticlePage.objects.count() == 2


def test_an_import_records_the_revision_it_saved(article, run_import):
    from wagtail_dvt.models import ImportedRevision

    assert ImportedRevision.objects.filter(revision=article.latest_revision).exists()
    article.get_latest_revision_as_object().save_revision()  # by code, no change
    assert "kept" not in run_import().stdout  # same content: nothing to keep


# -- deleted comments stay deleted ---------------------------------------------


def test_a_comment_deleted_in_the_admin_stays_deleted(
    article, superuser, client, run_import
):
    client.force_login(superuser)
    comment = article.reader_comments.get(author_name="Naomi Ho")
    url = reverse(Comment.snippet_viewset.get_url_name("delete"), args=[comment.pk])

    response = client.post(url)

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    tombstone = DeletedComment.objects.get()
    assert tombstone.page_id == article.pk
    assert tombstone.entry_hash == tombstone_hash(comment.entry_fingerprint)
    # The tombstone keeps no name, text or time of the comment.
    row = " ".join(map(str, DeletedComment.objects.values_list().get()))
    assert "Naomi" not in row
    assert str(comment.posted_at.year) not in row.replace(
        str(tombstone.deleted_at.year), ""
    )
    run = run_import()
    assert not article.reader_comments.filter(author_name="Naomi Ho").exists()
    assert article.reader_comments.count() == 18
    assert "1 deleted by moderators not restored" in run.stdout


def test_comments_bulk_deleted_in_the_admin_stay_deleted(
    article, superuser, client, run_import
):
    client.force_login(superuser)
    doomed = list(article.reader_comments.all()[:3])
    url = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", "delete"))
    ids = "&".join(f"id={comment.pk}" for comment in doomed)

    response = client.post(f"{url}?next=/admin/&{ids}")

    assert response.status_code == 302
    assert DeletedComment.objects.count() == 3
    run = run_import()
    assert article.reader_comments.count() == 16
    assert "3 deleted by moderators not restored" in run.stdout


def test_a_comment_deleted_in_the_page_editor_stays_deleted(article, run_import):
    """The page editor's formset deletes through the page's comment cluster,
    committed when the revision is saved."""
    page = ArticlePage.objects.get(pk=article.pk)
    page.reader_comments = [
        comment
        for comment in page.reader_comments.all()
        if comment.author_name != "Naomi Ho"
    ]
    page.save_revision()

    assert DeletedComment.objects.get().page_id == article.pk
    run_import("--overwrite")
    assert not article.reader_comments.filter(author_name="Naomi Ho").exists()


def test_a_comment_deleted_by_djangos_own_delete_stays_deleted(article, run_import):
    """A script or a subclass may call ``Model.delete()`` past the placeholder
    rule: the deletion, started from the comment itself, still leaves its
    tombstone."""
    from django.db import models

    comment = article.reader_comments.get(author_name="Naomi Ho")
    models.Model.delete(comment)

    assert DeletedComment.objects.get().page_id == article.pk
    run_import()
    assert not article.reader_comments.filter(author_name="Naomi Ho").exists()


def test_the_upgrade_records_earlier_imports_but_not_editors_revisions(
    article, superuser, root_page
):
    from importlib import import_module

    from django.apps import apps

    from wagtail_dvt.models import ImportedRevision

    migration = import_module(
        "wagtail_dvt.migrations.0002_import_records_and_tombstones"
    )
    edited = import_document(
        BUNDLED_DOCUMENT,
        parent=root_page.add_child(
            instance=type(root_page)(title="Other", slug="other")
        ),
    )
    edited = publish_edit(ArticlePage.objects.get(pk=edited.page_id), superuser)
    ImportedRevision.objects.all().delete()

    migration.record_earlier_imports(apps, None)

    assert list(ImportedRevision.objects.values_list("revision", flat=True)) == [
        article.latest_revision_id
    ]


def test_deleting_an_article_leaves_no_tombstones(article, superuser, client):
    client.force_login(superuser)
    article.reader_comments.first().delete()
    assert DeletedComment.objects.count() == 1

    response = client.post(reverse("wagtailadmin_pages:delete", args=[article.pk]))

    assert response.status_code == 302
    assert not ArticlePage.objects.exists()
    assert not Comment.objects.exists()
    assert not DeletedComment.objects.exists()


def test_a_deleted_comment_of_another_author_or_minute_is_still_imported(
    article, run_import
):
    comment = article.reader_comments.get(author_name="Naomi Ho")
    comment.delete()
    later = comment.posted_at + dt.timedelta(minutes=1)
    DeletedComment.objects.update(
        entry_hash=tombstone_hash(entry_fingerprint("Naomi Ho", later, comment.body))
    )

    run_import()

    assert article.reader_comments.filter(author_name="Naomi Ho").count() == 1


# -- export ---------------------------------------------------------------------


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_article", *args, stdout=out)
    return out.getvalue()


def test_export_carries_a_web_comment_and_reimports_idempotently(
    article, write_document, run_import, db_counts
):
    posted = dt.datetime(2024, 3, 5, 9, 41, 37, 123456, tzinfo=dt.UTC)
    Comment.objects.create(
        page=article,
        author_name="Web Reader",
        body="Posted from the site.",
        posted_at=posted,
        status=CommentStatus.APPROVED,
    )

    text = export(str(article.pk))

    assert (
        "Web Reader\nWeb Reader\n\nPosted from the site.\n\nMarch 5, 2024 at 09:41"
        in text
    )
    path = write_document("exported.txt", text)
    before = db_counts()
    run = run_import(str(path))
    assert db_counts() == before
    assert "unchanged" in run.stdout


def test_hidden_comments_exported_with_all_comments_stay_hidden(
    article, root_page, write_document, run_import
):
    statuses = [CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM]
    for minute, status in enumerate(statuses):
        Comment.objects.create(
            page=article,
            author_name=f"Hidden {status}",
            body=f"A {status} comment.",
            posted_at=dt.datetime(2024, 1, 1, 12, minute, tzinfo=dt.UTC),
            status=status,
        )
    text = export(str(article.pk), "--all-comments")
    assert "January 1, 2024 at 12:02 (spam)" in text
    assert "(approved)" not in text
    other = Page.objects.get(pk=root_page.pk).add_child(
        instance=type(root_page)(title="Elsewhere", slug="elsewhere")
    )

    run_import(write_document("all.txt", text).as_posix(), "--parent", str(other.pk))

    copy = ArticlePage.objects.child_of(other).get()
    imported = dict(copy.reader_comments.values_list("author_name", "status"))
    assert {imported[f"Hidden {status}"] for status in statuses} == set(statuses)
    assert copy.reader_comments.filter(status=CommentStatus.APPROVED).count() == 19
    # Into the same parent: nothing new, nothing made public.
    run_import(write_document("again.txt", text).as_posix())
    assert article.reader_comments.count() == 22
    assert article.reader_comments.exclude(status=CommentStatus.APPROVED).count() == 3


def test_export_output_refuses_a_directory_a_missing_folder_and_an_existing_file(
    article, tmp_path
):
    with pytest.raises(CommandError, match="is a directory"):
        export(str(article.pk), "-o", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        export(str(article.pk), "-o", str(tmp_path / "missing" / "a.txt"))
    existing = tmp_path / "a.txt"
    existing.write_text("keep me", encoding="utf-8")
    with pytest.raises(CommandError, match="--force"):
        export(str(article.pk), "-o", str(existing))
    assert existing.read_text(encoding="utf-8") == "keep me"
    fresh = tmp_path / "fresh.txt"
    export(str(article.pk), "-o", str(fresh))
    assert fresh.read_text(encoding="utf-8") == BUNDLED_DOCUMENT.read_text(
        encoding="utf-8"
    )
    fresh.unlink()

    export(str(article.pk), "-o", str(existing), "--force")

    assert existing.read_text(encoding="utf-8") == BUNDLED_DOCUMENT.read_text(
        encoding="utf-8"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert existing.stat().st_mode & 0o777 == 0o666 & ~umask


# -- special files and odd input --------------------------------------------------


@contextmanager
def fails_after(seconds):
    """Turn a hang into a test failure instead of a stuck test run."""

    def hung(signum, frame):
        raise AssertionError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_fifo_fails_fast_by_name(tmp_path, run_import, db_counts):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    before = db_counts()
    with fails_after(10):
        run = run_import(str(fifo), expect_error=True)
    assert run.stderr_lines == [
        f"{fifo}: not a regular file (a named pipe); expected a text file"
    ]
    assert db_counts() == before


def test_a_fifo_in_a_directory_fails_alone(tmp_path, bundled_text, run_import):
    (tmp_path / "a-article.txt").write_text(bundled_text, encoding="utf-8")
    os.mkfifo(tmp_path / "b-pipe.txt")
    with fails_after(10):
        run = run_import(str(tmp_path), expect_error=True)
    assert run.stderr_lines == [
        f"{tmp_path / 'b-pipe.txt'}: not a regular file (a named pipe); "
        "expected a text file"
    ]
    assert ArticlePage.objects.filter(slug=BUNDLED_SLUG).exists()


def test_a_device_is_refused_without_reading_it(run_import):
    with fails_after(10):
        run = run_import("/dev/zero", expect_error=True)
    assert run.stderr_lines == [
        "/dev/zero: not a regular file (a character device); expected a text file"
    ]


def test_a_document_over_the_size_cap_is_refused(
    write_document, bundled_text, run_import, monkeypatch
):
    path = write_document("big.txt", bundled_text)
    with override_settings(WAGTAIL_DVT={"IMPORT_MAX_BYTES": 1000}):
        run = run_import(str(path), expect_error=True)
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x" * 2000)))
        stdin_run = run_import("-", expect_error=True)
    assert run.stderr_lines == [
        f"{path}: larger than 1000 bytes, the importer's limit; raise "
        'WAGTAIL_DVT["IMPORT_MAX_BYTES"] to import it'
    ]
    assert stdin_run.stderr_lines[0].startswith("<stdin>: larger than 1000 bytes")
    assert not ArticlePage.objects.exists()


def test_a_symlink_out_of_the_directory_is_refused_without_its_text(
    tmp_path, bundled_text, run_import
):
    secret = tmp_path / "secret"
    secret.write_text("DATABASE_PASSWORD=hunter2\n", encoding="utf-8")
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.txt").write_text(bundled_text, encoding="utf-8")
    (posts / "b.txt").symlink_to(secret)
    (posts / "c.txt").symlink_to(posts / "a.txt")  # inside: allowed

    run = run_import(str(posts), expect_error=True)

    assert run.stderr_lines == [
        f"{posts / 'b.txt'}: a symbolic link out of the directory {posts}; "
        "refused (give the file itself to import it)"
    ]
    assert "hunter2" not in run.stdout + run.stderr + str(run.error)
    assert ArticlePage.objects.count() == 1


@pytest.mark.parametrize(
    ("zone", "time_line"),
    [
        ("Asia/Tokyo", "January 1, 0001 at 03:00"),
        ("America/Los_Angeles", "December 31, 9999 at 23:00"),
    ],
)
def test_a_time_outside_utc_years_fails_its_document_only(
    zone, time_line, bundled_text, write_document, run_import
):
    good = write_document("a.txt", bundled_text)
    odd_text = retitled(bundled_text, "Another article").replace(
        "June 27, 2023 at 21:53", time_line, 1
    )
    odd = write_document("b.txt", odd_text)

    run = run_import(str(good), str(odd), "--timezone", zone, expect_error=True)

    line = line_of(odd_text, "Mangal DUTT Sharma")  # the comment's first line
    assert len(run.stderr_lines) == 1
    assert run.stderr_lines[0].startswith(f"{odd}:{line}: the comment time ")
    assert "outside the years 1 to 9999 in UTC" in run.stderr_lines[0]
    assert ArticlePage.objects.get().slug == BUNDLED_SLUG


def test_dry_run_reports_exactly_what_the_real_run_does(
    article, superuser, bundled_text, write_document, run_import
):
    # An edited page (kept, twice), a deleted comment (not restored), and a
    # new document given three times, with a change in the middle.
    publish_edit(article, superuser)
    article.reader_comments.get(author_name="Naomi Ho").delete()
    new_text = retitled(bundled_text, "A new article")
    paths = [
        write_document("1.txt", bundled_text + NEW_COMMENT),
        write_document("2.txt", bundled_text + NEW_COMMENT),
        write_document("3.txt", new_text),
        write_document(
            "4.txt",
            new_text.replace("Understanding Deep Vein", "Understanding Deep")
            + NEW_COMMENT,
        ),
        write_document("5.txt", new_text),
    ]
    args = [str(path) for path in paths] + ["--format", "json"]

    dry = run_import(*args, "--dry-run")
    real = run_import(*args)

    assert outcomes(dry) == outcomes(real)
    assert [doc["action"] for doc in json_report(real)["documents"]] == [
        "kept",
        "kept",
        "created",
        "updated",
        "updated",
    ]
    # The updates in the batch that created the page were written.
    new_article = ArticlePage.objects.get(slug="a-new-article")
    assert new_article.reader_comments.filter(author_name="Zoe Park").exists()
    assert new_article.revisions.count() == 3
