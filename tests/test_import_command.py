"""Tests for the ``import_article`` command and the writer behind it.

Every document is built from the bundled article in this checkout, either
unchanged or edited in ``tmp_path``, so that expected values come from the
parser's reading of the same text (``bundled_document``) rather than from
copies of it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from dvt_testing import (
    BUNDLED_SLUG,
    BUNDLED_TITLE,
    REPO_ROOT,
    home_page_model,
    line_of,
    retitled,
)

from wagtail_dvt.importer import BUNDLED_DOCUMENT
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)

ArticlePage = get_article_model()
Page = get_base_page_model()

HEADINGS = [
    "Understanding Deep Vein Thrombosis",
    "Interventional Radiology: A Brief Overview",
    "How Interventional Radiology Helps in Diagnosing DVT",
    "Interventional Radiology Treatments for DVT",
    "The Benefits of Interventional Radiology in DVT Treatment",
    "Post-Treatment Care and Follow-up",
    "The Future of Interventional Radiology in DVT Treatment",
    "Conclusion",
]
BYLINE = "Posted on Jun 27, 2023 by Hamish Negi"
CONCLUSION_START = "To sum it up, interventional radiology plays a crucial role"
ERROR_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<message>.+)$")


def slug_exists(slug: str) -> bool:
    return Page.objects.filter(slug=slug).exists()


def stored_comments(page):
    return list(
        Comment.objects.filter(page=page)
        .order_by("posted_at", "pk")
        .values_list("author_name", "body", "posted_at", "status")
    )


def expected_comments(document, tz=dt.UTC, status=CommentStatus.APPROVED):
    return [
        (c.author_name, c.body, c.posted_at.replace(tzinfo=tz), status)
        for c in document.comments
    ]


def report_lines(run, source: str) -> list[str]:
    """The lines of stdout that report on documents read from ``source``."""
    return [line for line in run.stdout.splitlines() if line.startswith(source)]


def assert_one_error_line(run, path, line: int | None = None) -> re.Match:
    """stderr holds exactly one ``PATH:LINE: message`` line, for ``path``."""
    assert len(run.stderr_lines) == 1, run.stderr
    match = ERROR_LINE.match(run.stderr_lines[0])
    assert match, f"not a 'PATH:LINE: message' line: {run.stderr_lines[0]!r}"
    assert match["path"] == str(path)
    if line is not None:
        assert int(match["line"]) == line, run.stderr
    return match


# -- the bundled document -----------------------------------------------------


def test_bundled_import_creates_one_live_article(
    run_import, bundled_document, db_counts
):
    pages, comments, revisions = db_counts()

    run = run_import()

    assert db_counts() == (pages + 1, comments + 19, revisions + 1)
    assert f"created {BUNDLED_TITLE!r}" in run.stdout
    assert "8 sections, 19 comments (19 new)" in run.stdout
    page = ArticlePage.objects.get()
    assert page.live
    assert not page.has_unpublished_changes
    assert page.title == BUNDLED_TITLE
    assert page.slug == BUNDLED_SLUG
    assert page.author == "Hamish Negi"
    assert page.date == dt.date(2023, 6, 27)


def test_bundled_import_stores_sections_in_order(article, bundled_document):
    values = [block.value for block in article.body]
    assert [block.block_type for block in article.body] == ["section"] * 8
    assert [value["heading"] for value in values] == HEADINGS
    assert [value["content"] for value in values] == [
        section.content for section in bundled_document.sections
    ]
    assert values[-1]["content"].startswith(CONCLUSION_START)


def test_bundled_import_stores_comments_as_parsed(article, bundled_document):
    comments = stored_comments(article)

    assert len(comments) == 19
    # TIME_ZONE is UTC in the test settings, so times are stored as written.
    assert comments == expected_comments(bundled_document)
    assert comments[0][0] == "Mangal DUTT Sharma"
    assert comments[0][2] == dt.datetime(2023, 6, 27, 21, 53, tzinfo=dt.UTC)
    assert all(posted_at.tzinfo is not None for _, _, posted_at, _ in comments)


def test_bundled_import_makes_exactly_one_published_revision(article):
    assert article.revisions.count() == 1
    assert article.live_revision == article.latest_revision


def test_imported_article_is_found_by_search(article):
    assert list(ArticlePage.objects.search("thrombectomy")) == [article]
    assert list(ArticlePage.objects.search("xylophone")) == []


# -- idempotency and updates --------------------------------------------------


def test_importing_twice_changes_nothing(run_import, db_counts):
    run_import()
    page = ArticlePage.objects.get()
    before = db_counts()
    revision = page.latest_revision

    run = run_import()

    assert db_counts() == before
    assert f"unchanged {BUNDLED_TITLE!r}" in run.stdout
    assert "(0 new)" in run.stdout
    page.refresh_from_db()
    assert page.latest_revision == revision
    assert ArticlePage.objects.count() == 1


def test_changed_section_makes_one_new_revision_and_updates_the_live_page(
    article, bundled_text, write_document, run_import, db_counts
):
    changed = bundled_text.replace(CONCLUSION_START, "In short, radiology matters")
    path = write_document("changed.txt", changed)
    pages, comments, revisions = db_counts()
    old_revision = article.latest_revision

    run = run_import(str(path))

    assert f"updated {BUNDLED_TITLE!r}" in run.stdout
    assert db_counts() == (pages, comments, revisions + 1)
    page = ArticlePage.objects.get(pk=article.pk)
    assert page.revisions.count() == 2
    assert page.latest_revision != old_revision
    assert page.live_revision == page.latest_revision
    assert not page.has_unpublished_changes
    conclusion = page.body[-1].value["content"]
    assert conclusion.startswith("In short, radiology matters")
    assert CONCLUSION_START not in conclusion


def test_added_comment_adds_exactly_one_comment(
    article, bundled_text, write_document, run_import, db_counts
):
    extra = "\nAda Byron\nAda Byron\n\nA late reply.\n\nJuly 10, 2023 at 08:15\n"
    path = write_document("more.txt", bundled_text.rstrip("\n") + "\n" + extra)
    pages, comments, revisions = db_counts()

    run = run_import(str(path))

    assert "20 comments (1 new)" in run.stdout
    # Comments live outside revisions: a new one needs no new revision.
    assert db_counts() == (pages, comments + 1, revisions)
    new = Comment.objects.get(author_name="Ada Byron")
    assert new.page_id == article.pk
    assert new.body == "A late reply."
    assert new.posted_at == dt.datetime(2023, 7, 10, 8, 15, tzinfo=dt.UTC)
    assert new.status == CommentStatus.APPROVED


def test_moderator_status_change_survives_reimport(article, run_import, db_counts):
    spam = article.reader_comments.get(author_name="Jennifer Brenko")
    spam.status = CommentStatus.SPAM
    spam.save()
    rejected = article.reader_comments.get(author_name="Jonathan Alvarenga")
    rejected.status = CommentStatus.REJECTED
    rejected.save()
    before = db_counts()

    run_import()

    assert db_counts() == before
    spam.refresh_from_db()
    rejected.refresh_from_db()
    assert spam.status == CommentStatus.SPAM
    assert rejected.status == CommentStatus.REJECTED
    assert article.approved_comments.count() == 17


# -- dry run -------------------------------------------------------------------


def test_dry_run_writes_nothing(run_import, db_counts):
    before = db_counts()

    run = run_import("--dry-run")

    assert db_counts() == before
    assert not slug_exists(BUNDLED_SLUG)
    assert f"would be created {BUNDLED_TITLE!r}" in run.stdout
    assert "(19 new)" in run.stdout


def test_dry_run_of_a_changed_document_writes_nothing(
    article, bundled_text, write_document, run_import, db_counts
):
    changed = bundled_text.replace(CONCLUSION_START, "In short, radiology matters")
    extra = "\nAda Byron\nAda Byron\n\nA late reply.\n\nJuly 10, 2023 at 08:15\n"
    path = write_document("changed.txt", changed + extra)
    before = db_counts()

    run = run_import("--dry-run", str(path))

    assert db_counts() == before
    assert f"would be updated {BUNDLED_TITLE!r}" in run.stdout
    assert "(1 new)" in run.stdout
    page = ArticlePage.objects.get(pk=article.pk)
    assert page.body[-1].value["content"].startswith(CONCLUSION_START)
    assert not Comment.objects.filter(author_name="Ada Byron").exists()


# -- sources: stdin, directories, mixes ---------------------------------------


def test_stdin(run_import, monkeypatch, db_counts):
    data = BUNDLED_DOCUMENT.read_bytes()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    pages, comments, revisions = db_counts()

    run = run_import("-")

    [line] = report_lines(run, "<stdin>")
    assert line.startswith(f"<stdin>: created {BUNDLED_TITLE!r}")
    assert db_counts() == (pages + 1, comments + 19, revisions + 1)
    assert ArticlePage.objects.get().title == BUNDLED_TITLE


def test_stdin_errors_name_stdin(run_import, monkeypatch, db_counts):
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(b"Title\n")))
    before = db_counts()

    run = run_import("-", expect_error=True)

    assert_one_error_line(run, "<stdin>", line=1)
    assert db_counts() == before


def test_directory_imports_every_txt_file_and_ignores_others(
    tmp_path, bundled_text, write_document, run_import
):
    write_document("docs/a.txt", bundled_text)
    write_document("docs/b.txt", retitled(bundled_text, "Second Article"))
    # Not a .txt file: would fail to parse if it were read.
    write_document("docs/notes.md", "not an article\n")
    write_document("docs/b.txt.bak", retitled(bundled_text, "Backup Article"))

    run = run_import(str(tmp_path / "docs"))

    assert sorted(ArticlePage.objects.values_list("title", flat=True)) == [
        "Second Article",
        BUNDLED_TITLE,
    ]
    assert len(report_lines(run, str(tmp_path / "docs"))) == 2
    assert "notes.md" not in run.stdout + run.stderr
    assert Comment.objects.count() == 38


def test_directory_without_documents_is_an_error(tmp_path, run_import, db_counts):
    (tmp_path / "empty").mkdir()
    before = db_counts()

    run = run_import(str(tmp_path / "empty"), expect_error=True)

    assert "no .txt documents" in str(run.error)
    assert db_counts() == before


def test_good_and_bad_documents(tmp_path, bundled_text, write_document, run_import):
    good = write_document("docs/1-good.txt", bundled_text)
    no_time = retitled(bundled_text, "Bad Times").replace(
        "June 28, 2023 at 14:00\n", ""
    )
    bad_time = write_document("docs/2-bad.txt", no_time)
    bad_date = write_document(
        "docs/3-bad.txt",
        retitled(bundled_text, "Bad Dates").replace(
            "July 9, 2023 at 07:46", "July 32, 2023 at 07:46"
        ),
    )
    also_good = write_document(
        "docs/4-good.txt", retitled(bundled_text, "Another Good One")
    )

    run = run_import(str(tmp_path / "docs"), expect_error=True)

    assert "2 of 4 documents failed" in str(run.error)
    assert sorted(ArticlePage.objects.values_list("title", flat=True)) == [
        "Another Good One",
        BUNDLED_TITLE,
    ]
    assert not slug_exists("bad-times")
    assert not slug_exists("bad-dates")
    # One line per bad document, in order, naming the file and the line.
    assert len(run.stderr_lines) == 2, run.stderr
    assert run.stderr_lines[0].startswith(
        f"{bad_time}:{line_of(no_time, 'Gracee Taylor')}: "
    )
    assert run.stderr_lines[1].startswith(
        f"{bad_date}:{line_of(bad_date.read_text(), 'July 32, 2023')}: "
    )
    assert str(good) in run.stdout
    assert str(also_good) in run.stdout


def test_missing_file_is_one_error_line(tmp_path, run_import, db_counts):
    before = db_counts()
    missing = tmp_path / "missing.txt"

    run = run_import(str(BUNDLED_DOCUMENT), str(missing), expect_error=True)

    assert run.stderr_lines == [
        f"{missing}: cannot read the file: No such file or directory"
    ]
    assert "1 of 2 documents failed" in str(run.error)
    assert db_counts()[0] == before[0] + 1


# -- malformed documents -------------------------------------------------------


def _not_utf8(text):
    data = text.encode()
    target = b"We should also keep in mind"
    return data.replace(target, b"\xff" + target), line_of(text, target.decode())


def _empty(text):
    return "", 1


def _no_byline(text):
    broken = text.replace(BYLINE + "\n", "")
    # The repeated title is where the byline was expected.
    return broken, broken.split("\n").index(BUNDLED_TITLE, 1) + 1


def _no_sections(text):
    broken = text[: text.index(HEADINGS[0])] + text[text.index("Write a comment") :]
    return broken, line_of(broken, "Write a comment")


def _comment_without_time(text):
    broken = text.replace("June 28, 2023 at 14:00\n", "")
    return broken, line_of(broken, "Gracee Taylor")


def _impossible_date(text):
    broken = text.replace("July 1, 2023 at 06:26", "February 30, 2023 at 06:26")
    return broken, line_of(broken, "February 30, 2023")


@pytest.mark.parametrize(
    "breaker",
    [
        _not_utf8,
        _empty,
        _no_byline,
        _no_sections,
        _comment_without_time,
        _impossible_date,
    ],
    ids=lambda breaker: breaker.__name__.strip("_"),
)
def test_malformed_document_leaves_database_unchanged(
    breaker, article, bundled_text, write_document, run_import, db_counts
):
    content, line = breaker(bundled_text)
    path = write_document("broken.txt", content)
    before = db_counts()
    latest = article.latest_revision

    run = run_import(str(path), expect_error=True)

    assert_one_error_line(run, path, line)
    assert "1 of 1 documents failed" in str(run.error)
    assert report_lines(run, str(path)) == []
    assert db_counts() == before
    article.refresh_from_db()
    assert article.latest_revision == latest


# -- Documents the parser accepts but the models cannot store ------------------
# The parser puts no length limit on a title, byline author or commenter name,
# while the models allow 255 characters. Each must be reported like any other
# bad document (one PATH:LINE line, nothing written, the batch going on), not
# crash the command with a traceback or be stored past the field's limit.


def test_overlong_title_is_a_document_error(
    bundled_text, write_document, run_import, db_counts
):
    path = write_document("long-title.txt", retitled(bundled_text, "T" * 300))
    before = db_counts()

    run = run_import(str(path), str(BUNDLED_DOCUMENT), expect_error=True)

    assert_one_error_line(run, path, line=1)
    assert db_counts() == (before[0] + 1, before[1] + 19, before[2] + 1)


def test_overlong_author_is_a_document_error(
    bundled_text, write_document, run_import, db_counts
):
    long_byline = BYLINE.replace("Hamish Negi", "H" * 300)
    path = write_document("long-author.txt", bundled_text.replace(BYLINE, long_byline))
    before = db_counts()

    run = run_import(str(path), expect_error=True)

    assert_one_error_line(run, path, line=line_of(bundled_text, BYLINE))
    assert db_counts() == before


def test_overlong_commenter_name_is_a_document_error(
    bundled_text, write_document, run_import, db_counts
):
    path = write_document(
        "long-name.txt", bundled_text.replace("Gracee Taylor", "G" * 300)
    )
    before = db_counts()

    run = run_import(str(path), expect_error=True)

    assert_one_error_line(run, path, line=line_of(bundled_text, "Gracee Taylor"))
    assert db_counts() == before


def test_overlong_commenter_name_in_an_update_is_a_document_error(
    article, bundled_text, write_document, run_import, db_counts
):
    extra = (
        f"\n{'G' * 300}\n{'G' * 300}\n\nToo long a name.\n\nJuly 10, 2023 at 08:15\n"
    )
    changed = bundled_text.replace(CONCLUSION_START, "In short, radiology matters")
    text = changed.rstrip("\n") + "\n" + extra
    path = write_document("long-name-update.txt", text)
    before = db_counts()

    run = run_import(str(path), expect_error=True)

    assert_one_error_line(run, path, line=line_of(text, "G" * 300))
    assert db_counts() == before
    page = ArticlePage.objects.get(pk=article.pk)
    assert page.body[-1].value["content"].startswith(CONCLUSION_START)


def test_write_errors_in_a_batch_leave_no_trace(
    article, root_page, bundled_text, tmp_path, write_document, run_import
):
    """Documents that parse but cannot be written fail alone, writing nothing."""
    HomePage = home_page_model()

    root_page.add_child(instance=HomePage(title="Squatter", slug="taken-slug"))
    new = write_document("docs/1-new.txt", retitled(bundled_text, "A New Article"))
    conflict = write_document(
        "docs/2-conflict.txt", retitled(bundled_text, "Taken Slug")
    )
    long_name = write_document(
        "docs/3-long-name.txt",
        retitled(bundled_text, "Long Name").replace("Naomi Ho", "N" * 300),
    )
    update = write_document(
        "docs/4-update.txt",
        bundled_text.replace(CONCLUSION_START, "In short, radiology matters"),
    )

    run = run_import(str(tmp_path / "docs"), expect_error=True)

    assert "2 of 4 documents failed" in str(run.error)
    assert [line.split(":")[0] for line in run.stderr_lines] == [
        str(conflict),
        str(long_name),
    ]
    assert report_lines(run, str(new)) and report_lines(run, str(update))
    assert HomePage.objects.filter(slug="taken-slug").exists()
    assert not ArticlePage.objects.filter(slug="taken-slug").exists()
    assert not slug_exists("long-name")
    assert not Comment.objects.filter(author_name="N" * 300).exists()
    assert ArticlePage.objects.get(slug="a-new-article").reader_comments.count() == 19
    updated = ArticlePage.objects.get(pk=article.pk)
    assert updated.body[-1].value["content"].startswith("In short, radiology")
    assert updated.revisions.count() == 2
    assert Comment.objects.count() == 38


# -- options -------------------------------------------------------------------


def test_draft_then_publish(run_import, db_counts):
    pages, comments, revisions = db_counts()

    run_import("--draft")

    page = ArticlePage.objects.get()
    assert not page.live
    assert page.has_unpublished_changes
    assert page.live_revision is None
    assert page.revisions.count() == 1
    assert page.reader_comments.count() == 19
    assert db_counts() == (pages + 1, comments + 19, revisions + 1)

    run = run_import()

    page.refresh_from_db()
    assert f"updated {BUNDLED_TITLE!r}" in run.stdout
    assert page.live
    assert not page.has_unpublished_changes
    assert page.revisions.count() == 1
    assert page.live_revision == page.latest_revision
    assert db_counts() == (pages + 1, comments + 19, revisions + 1)
    assert "unchanged" in run_import().stdout


def test_draft_reports_not_live(run_import):
    run = run_import("--draft")
    assert "not live" in run.stdout


@pytest.fixture
def blog(root_page):
    HomePage = home_page_model()

    blog = HomePage(title="Blog", slug="blog")
    root_page.add_child(instance=blog)
    return blog


@pytest.mark.parametrize("reference", ["id", "/blog/", "blog", "/blog"])
def test_parent_by_id_or_path(reference, blog, run_import):
    value = str(blog.pk) if reference == "id" else reference

    run_import("--parent", value)

    page = ArticlePage.objects.get()
    assert page.get_parent().pk == blog.pk
    assert page.url_path.endswith(f"/blog/{BUNDLED_SLUG}/")


def test_parent_root_path(root_page, blog, run_import):
    run_import("--parent", "/")

    assert ArticlePage.objects.get().get_parent().pk == root_page.pk


@pytest.mark.parametrize("reference", ["999999", "/no-such-page/"])
def test_unknown_parent_is_an_error(reference, root_page, run_import, db_counts):
    before = db_counts()

    run = run_import("--parent", reference, expect_error=True)

    assert "no page found for" in str(run.error)
    assert reference in str(run.error)
    assert db_counts() == before


def test_timezone_shifts_comment_times(run_import, bundled_document):
    run_import("--timezone", "Europe/Berlin")

    page = ArticlePage.objects.get()
    first = page.reader_comments.get(author_name="Mangal DUTT Sharma")
    # Berlin is UTC+2 in summer: 21:53 there is 19:53 UTC.
    assert first.posted_at == dt.datetime(2023, 6, 27, 19, 53, tzinfo=dt.UTC)
    berlin = dt.timezone(dt.timedelta(hours=2))
    assert stored_comments(page) == expected_comments(bundled_document, tz=berlin)


def test_unknown_timezone_is_an_error(run_import, db_counts):
    before = db_counts()

    run = run_import("--timezone", "Mars/Olympus_Mons", expect_error=True)

    assert "Mars/Olympus_Mons" in str(run.error)
    assert db_counts() == before


def test_comment_status_pending(run_import, bundled_document):
    run_import("--comment-status", "pending")

    page = ArticlePage.objects.get()
    assert stored_comments(page) == expected_comments(
        bundled_document, status=CommentStatus.PENDING
    )
    assert page.approved_comments.count() == 0


def test_comment_status_rejects_other_statuses(run_import, db_counts):
    before = db_counts()

    run = run_import("--comment-status", "spam", expect_error=True)

    assert "invalid choice" in str(run.error)
    assert db_counts() == before


def test_json_format(run_import):
    run = run_import("--format", "json")

    report = json.loads(run.stdout)
    page = ArticlePage.objects.get()
    assert report["errors"] == []
    [document] = report["documents"]
    assert document["action"] == "created"
    assert document["page_id"] == page.pk
    assert document["url"] == page.full_url
    assert document["url"].endswith(f"/{BUNDLED_SLUG}/")
    assert document["sections"] == 8
    assert document["comments"] == 19
    assert document["comments_added"] == 19
    assert document["dry_run"] is False


def test_json_format_lists_errors(tmp_path, write_document, run_import):
    bad = write_document("bad.txt", "Title only\n")

    run = run_import(
        "--format", "json", str(BUNDLED_DOCUMENT), str(bad), expect_error=True
    )

    report = json.loads(run.stdout)
    assert [d["action"] for d in report["documents"]] == ["created"]
    assert len(report["errors"]) == 1
    assert report["errors"][0].startswith(f"{bad}:")
    assert run.stderr_lines == report["errors"]


def test_slug_taken_by_another_page_type(root_page, run_import, db_counts):
    HomePage = home_page_model()

    root_page.add_child(instance=HomePage(title="Squatter", slug=BUNDLED_SLUG))
    before = db_counts()

    run = run_import(expect_error=True)

    match = assert_one_error_line(run, BUNDLED_DOCUMENT, line=1)
    assert "is taken by" in match["message"]
    assert db_counts() == before
    assert not ArticlePage.objects.exists()


# -- a real process ------------------------------------------------------------


@pytest.mark.slow
def test_manage_py_reports_bad_documents_without_traceback(tmp_path, bundled_text):
    """``manage.py import_article`` exits non-zero on a bad file, with no traceback.

    The test settings always use an in-memory SQLite database, which a second
    process cannot share, so this runs them with the database moved to a file.
    """
    from django.conf import settings as django_settings

    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "subprocess_settings.py").write_text(
        textwrap.dedent(
            f"""\
            from {django_settings.SETTINGS_MODULE} import *  # noqa: F403

            DATABASES = {{
                "default": {{
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": {str(tmp_path / "db.sqlite3")!r},
                }}
            }}
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "subprocess_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(settings_dir), str(REPO_ROOT)])
    manage = [sys.executable, str(REPO_ROOT / "example_site" / "manage.py")]

    def manage_py(*args):
        return subprocess.run(  # noqa: S603 - fixed arguments
            [*manage, *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )

    migrate = manage_py("migrate", "--noinput", "-v0")
    assert migrate.returncode == 0, migrate.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text(bundled_text.replace(BYLINE + "\n", ""), encoding="utf-8")

    failed = manage_py("import_article", str(bad))

    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    assert f"{bad}:6: expected the byline" in failed.stderr
    assert "CommandError: 1 of 1 documents failed to import" in failed.stderr

    imported = manage_py("import_article")
    assert imported.returncode == 0, imported.stderr
    assert f"created {BUNDLED_TITLE!r}" in imported.stdout


def test_a_title_without_letters_or_digits_is_refused(
    bundled_text, write_document, run_import, db_counts
):
    path = write_document("no-slug.txt", retitled(bundled_text, "???"))
    before = db_counts()
    run = run_import(str(path), expect_error=True)
    assert_one_error_line(run, path, line=1)
    assert "empty URL slug" in run.stderr
    assert db_counts() == before


def test_a_dry_run_of_one_document_given_twice(
    bundled_text, write_document, run_import, db_counts
):
    first = write_document("a.txt", bundled_text)
    second = write_document("b.txt", bundled_text.replace("Hamish Negi", "H. Negi"))
    before = db_counts()
    run = run_import(str(first), str(first), str(second), "--dry-run")
    lines = run.stdout.splitlines()
    assert "would be created" in lines[0]
    # The same document again: the page the first would create.
    assert "unchanged" in lines[1]
    # Another author: another article, even with the same title.
    assert "would be created" in lines[2]
    assert db_counts() == before


def test_a_dry_run_names_no_page_it_would_create(run_import):
    run = run_import("--dry-run")
    assert "(a new page)" in run.stdout
    assert "page -" not in run.stdout
    assert "not live" not in run.stdout


def test_two_documents_with_one_title_and_two_authors_are_two_articles(
    bundled_text, write_document, run_import
):
    first = write_document("a.txt", bundled_text)
    second = write_document("b.txt", bundled_text.replace("Hamish Negi", "H. Negi"))
    run_import(str(first), str(second))
    slugs = sorted(ArticlePage.objects.values_list("slug", flat=True))
    assert slugs == [BUNDLED_SLUG, f"{BUNDLED_SLUG}-2"]
    run_import(str(first), str(second))
    assert ArticlePage.objects.count() == 2


def test_reimport_leaves_an_unpublished_article_unpublished(run_import):
    run_import()
    page = ArticlePage.objects.get()
    page.unpublish()
    run = run_import()
    page.refresh_from_db()
    assert not page.live
    assert "unchanged" in run.stdout


def test_a_nul_character_is_refused_with_its_line(
    bundled_text, write_document, run_import, db_counts
):
    path = write_document(
        "nul.txt", bundled_text.replace("Gracee Taylor\n", "Gr\x00acee\n", 1)
    )
    before = db_counts()
    run = run_import(str(path), expect_error=True)
    assert_one_error_line(run, path, line=line_of(bundled_text, "Gracee Taylor"))
    assert db_counts() == before
