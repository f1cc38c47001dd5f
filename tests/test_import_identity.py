"""Re-import finds an article by the key of its first import, and a comment by
the fingerprint of its document entry: renames, moderators' edits, erasures
and readers posting under a commenter's name bring nothing back twice."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from dvt_testing import BUNDLED_SLUG

from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document, parse_document
from wagtail_dvt.importer.identity import source_key, tombstone_hash
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)
from wagtail_dvt.tombstones import DeletedComment, email_hash

ArticlePage = get_article_model()
Page = get_base_page_model()
NAOMI_TEXT = (
    "Key point is to combine anticoagulation with catheter‑directed therapy for "
    "optimal results especially in extensive proximal DVT"
)


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_article", *args, stdout=out)
    return out.getvalue()


def comments_of(page):
    return sorted(
        Comment.objects.filter(page=page).values_list("author_name", "body", "status")
    )


# -- item 4: the article's identity ----------------------------------------------


def test_the_first_import_stores_the_documents_key(article, bundled_document):
    assert article.dvt_source_key == source_key(
        bundled_document.title, bundled_document.date, bundled_document.author
    )


def test_a_renamed_article_is_updated_not_copied(article, root_page, run_import):
    article.title = "DVT and interventional radiology"
    article.slug = "dvt-ir"
    article.save_revision().publish()
    naomi = article.reader_comments.get(author_name="Naomi Ho")
    naomi.delete()
    before = comments_of(article)

    run = run_import()

    assert ArticlePage.objects.count() == 1
    assert Page.objects.child_of(root_page).filter(slug=BUNDLED_SLUG).count() == 0
    assert comments_of(article) == before
    assert "1 deleted by moderators not restored" in run.stdout


def test_the_export_of_a_renamed_article_imports_back_onto_it(
    article, write_document, run_import, db_counts
):
    article.title = "DVT and interventional radiology"
    article.author = "H. Negi"
    article.save_revision().publish()

    text = export(str(article.pk))

    assert text.startswith(f"dvt-format: 2\nsource-key: {article.dvt_source_key}\n")
    before = db_counts()
    run = run_import(str(write_document("renamed.txt", text)))
    assert db_counts() == before
    assert "unchanged" in run.stdout


def test_an_unchanged_article_exports_in_the_first_format(article):
    assert export(str(article.pk)) == BUNDLED_DOCUMENT.read_text(encoding="utf-8")


def test_export_then_import_into_the_same_parent_changes_nothing(
    article, write_document, run_import, db_counts
):
    """docs/commands.md: an edited comment, an erased one and a web comment
    posted with seconds all read back as what they are."""
    comments = list(article.reader_comments.all())
    comments[0].body = "[Removed by a moderator]"
    comments[0].save()
    comments[1].author_name, comments[1].body = "Anonymous", "This comment was removed"
    comments[1].save()
    Comment.objects.create(
        page=article,
        author_name="Web Reader",
        body="June 27, 2023 at 21:53\nlooks like a time line",
        posted_at=dt.datetime(2024, 3, 5, 9, 41, 37, tzinfo=dt.UTC),
        status=CommentStatus.APPROVED,
    )
    path = write_document("export.txt", export(str(article.pk)))
    before, rows = db_counts(), comments_of(article)

    run = run_import(str(path))

    assert "unchanged" in run.stdout
    assert db_counts() == before
    assert comments_of(article) == rows
    # And the original document still adds none of the originals back.
    run_import()
    assert comments_of(article) == rows


# -- item 5: comments by entry fingerprint ---------------------------------------


def test_a_reader_posting_as_a_commenter_in_that_minute_does_not_block_the_comment(
    bundled_text, write_document, run_import, root_page
):
    start = bundled_text.index("Naomi Ho\nNaomi Ho")
    end = bundled_text.index("Christine Watson\nChristine Watson")
    without_naomi = bundled_text[:start] + bundled_text[end:]
    run_import(str(write_document("a.txt", without_naomi)))
    page = ArticlePage.objects.get()
    posted = timezone.make_aware(dt.datetime(2023, 7, 2, 14, 40, 30))
    Comment.objects.create(
        page=page, author_name="Naomi Ho", body="Not Naomi.", posted_at=posted
    )

    run_import()

    assert sorted(
        page.reader_comments.filter(author_name="Naomi Ho").values_list(
            "body", flat=True
        )
    ) == sorted([NAOMI_TEXT, "Not Naomi."])


@pytest.mark.parametrize("change", ["redact", "erase", "redact_then_delete"])
def test_a_comment_moderators_changed_is_never_added_in_its_original_form(
    change, article, run_import
):
    naomi = article.reader_comments.get(author_name="Naomi Ho")
    naomi.body = "[Removed by a moderator]"
    if change == "erase":
        naomi.author_name = "Anonymous"
    naomi.save()
    if change == "redact_then_delete":
        naomi.delete()

    run_import()
    run_import()

    assert not article.reader_comments.filter(body=NAOMI_TEXT).exists()
    assert article.reader_comments.count() == (18 if "delete" in change else 19)


# -- item 12: tombstones -----------------------------------------------------------


def test_rotating_the_secret_key_does_not_bring_a_deleted_comment_back(
    article, run_import
):
    article.reader_comments.get(author_name="Naomi Ho").delete()
    with override_settings(SECRET_KEY="another secret, rotated"):
        run_import()
    assert not article.reader_comments.filter(author_name="Naomi Ho").exists()


def test_a_tombstone_keeps_a_keyed_hash_of_the_email_only(article):
    comment = article.reader_comments.first()
    Comment.objects.filter(pk=comment.pk).update(email="Reader@Example.com")
    Comment.objects.get(pk=comment.pk).delete()

    tombstone = DeletedComment.objects.get()
    assert tombstone.email_hash == email_hash("reader@example.com")
    with override_settings(SECRET_KEY="another secret, rotated"):
        assert email_hash("reader@example.com") != tombstone.email_hash
    assert "example" not in repr(DeletedComment.objects.values().get())


@pytest.mark.parametrize(
    ("email", "hashing"), [("", True), ("reader@example.com", False)]
)
def test_a_tombstone_holds_no_email_hash_without_an_address_or_the_setting(
    article, settings, email, hashing
):
    settings.WAGTAIL_DVT = {"TOMBSTONE_EMAIL_HASH": hashing}
    comment = article.reader_comments.first()
    Comment.objects.filter(pk=comment.pk).update(email=email)
    Comment.objects.get(pk=comment.pk).delete()

    assert DeletedComment.objects.get().email_hash == ""


def test_a_comment_stored_without_its_fingerprint_still_stays_deleted(
    article, run_import
):
    """A row from before fingerprints were stored gets one from its name,
    minute and text when deleted: the document's entry for it."""
    Comment.objects.filter(author_name="Naomi Ho").update(entry_fingerprint="")
    article.reader_comments.get(author_name="Naomi Ho").delete()

    run_import()

    assert not article.reader_comments.filter(author_name="Naomi Ho").exists()


def test_tombstones_past_their_retention_are_purged_by_the_next_import(
    article, run_import
):
    """The documented trade-off: once purged, the comment may come back."""
    article.reader_comments.get(author_name="Naomi Ho").delete()
    DeletedComment.objects.update(deleted_at=timezone.now() - dt.timedelta(days=31))

    with override_settings(WAGTAIL_DVT={"TOMBSTONE_RETENTION_DAYS": 60}):
        run_import()
    assert DeletedComment.objects.count() == 1
    assert not article.reader_comments.filter(author_name="Naomi Ho").exists()

    with override_settings(WAGTAIL_DVT={"TOMBSTONE_RETENTION_DAYS": 30}):
        run_import()
    assert not DeletedComment.objects.exists()
    assert article.reader_comments.filter(author_name="Naomi Ho").exists()


def test_a_dry_run_purges_nothing(article, run_import):
    article.reader_comments.get(author_name="Naomi Ho").delete()
    DeletedComment.objects.update(deleted_at=timezone.now() - dt.timedelta(days=31))
    with override_settings(WAGTAIL_DVT={"TOMBSTONE_RETENTION_DAYS": 30}):
        run_import("--dry-run")
    assert DeletedComment.objects.count() == 1


# -- item 6: translations ------------------------------------------------------------


@pytest.fixture
def french(root_page, settings):
    from wagtail.models import Locale

    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "French")]
    settings.LANGUAGES = settings.WAGTAIL_CONTENT_LANGUAGES
    locale = Locale.objects.create(language_code="fr")
    home = root_page.copy_for_translation(locale)
    home.save_revision().publish()
    return home


def test_import_with_locale_adds_no_comments_to_the_translation(
    article, french, root_page
):
    result = import_document(BUNDLED_DOCUMENT, parent=root_page.pk, locale="fr")

    translated = ArticlePage.objects.get(pk=result.page_id)
    assert translated.locale_id == french.locale_id
    assert translated.translation_key == article.translation_key
    assert not Comment.objects.filter(page=translated).exists()
    assert result.comments_added == 0
    assert result.comments_in_source_locale == 19
    assert article.reader_comments.count() == 19


def test_reimport_into_an_existing_translation_adds_no_comments(article, french):
    translated = article.copy_for_translation(french.locale)
    translated.save_revision().publish()
    Comment.objects.create(
        page=translated, author_name="Anne", body="Merci", status="approved"
    )

    result = import_document(BUNDLED_DOCUMENT, parent=french.pk)

    assert result.page_id == translated.pk
    assert list(
        Comment.objects.filter(page=translated).values_list("author_name", flat=True)
    ) == ["Anne"]


# -- item 21: export file modes --------------------------------------------------------


def test_export_force_keeps_the_replaced_files_mode(article, tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    call_command("export_article", str(article.pk), output=str(target), force=True)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_text(encoding="utf-8").startswith(article.title)


def test_an_all_comments_export_is_readable_by_its_owner_only(article, tmp_path):
    target = tmp_path / "all.txt"
    call_command(
        "export_article", str(article.pk), output=str(target), all_comments=True
    )
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    public = tmp_path / "public.txt"
    umask = os.umask(0o022)
    try:
        call_command("export_article", str(article.pk), output=str(public))
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(public).st_mode) == 0o644


# -- the format revision -------------------------------------------------------------


def test_a_format_2_header_gives_the_source_key(bundled_text):
    key = "0123456789abcdef0123456789abcdef"
    document = parse_document(f"dvt-format: 2\nsource-key: {key}\n\n{bundled_text}")
    assert document.source_key == key

    def entries(doc):
        return [(c.author_name, c.body, c.posted_at) for c in doc.comments]

    assert entries(document) == entries(parse_document(bundled_text))


def test_tombstone_hashes_are_of_the_fingerprint_not_the_name(article):
    naomi = article.reader_comments.get(author_name="Naomi Ho")
    naomi.delete()
    assert DeletedComment.objects.get().entry_hash == tombstone_hash(
        naomi.entry_fingerprint
    )
