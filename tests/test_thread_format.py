"""Threads in the document format: format 2's ``[#N re #M]`` marker, parsed,
written, imported and exported again."""

from datetime import UTC

import pytest
from dvt_testing import REPO_ROOT

from wagtail_dvt.importer import ParseError, import_document, parse_document
from wagtail_dvt.importer.exporter import export_document
from wagtail_dvt.importer.formatter import format_document
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

BUNDLED = REPO_ROOT / "wagtail_dvt" / "documents" / "dvt-interventional-radiology.txt"
FIRST = "June 27, 2023 at 21:53"


def bundled():
    return BUNDLED.read_text(encoding="utf-8")


def times(text):
    """The time lines of the bundled document's comments, in order."""
    lines = [line for line in text.split("\n") if " at " in line and ", 20" in line]
    return lines


def threaded(text, markers):
    """The bundled document in format 2, with ``markers`` on its time lines."""
    lines = times(text)
    for index, marker in markers.items():
        text = text.replace(lines[index], f"{lines[index]} {marker}", 1)
    return "dvt-format: 2\n\n" + text


def test_a_format_2_document_numbers_entries_and_names_replies():
    document = parse_document(threaded(bundled(), {0: "[#1]", 1: "[#2 re #1]"}))

    first, second = document.comments[:2]
    assert (first.number, first.replies_to) == (1, None)
    assert (second.number, second.replies_to) == (2, 1)
    assert document.comments[2].number is None


def test_every_format_1_document_reads_as_before():
    document = parse_document(bundled())

    assert all(c.number is None and c.replies_to is None for c in document.comments)
    assert format_document(document) == bundled()


def test_format_1_still_refuses_the_marker():
    text = bundled().replace(FIRST, f"{FIRST} [#1]", 1)
    with pytest.raises(ParseError, match="has no time line"):
        parse_document(text)


@pytest.mark.parametrize(
    ("markers", "phrase"),
    [
        ({0: "[#1]", 1: "[#1 re #1]"}, "given twice"),
        ({0: "[#1]", 1: "[#2 re #3]"}, "no entry above it"),
        ({0: "[#2 re #2]"}, "no entry above it"),
        ({1: "[#2]", 0: "[#1 re #2]"}, "no entry above it"),
    ],
)
def test_a_bad_marker_is_refused_at_its_line(markers, phrase):
    text = threaded(bundled(), markers)
    with pytest.raises(ParseError, match=phrase) as caught:
        parse_document(text, "doc.txt")
    assert str(caught.value).startswith(f"doc.txt:{caught.value.line}: ")


def test_format_then_parse_keeps_the_markers():
    text = threaded(bundled(), {0: "[#1]", 1: "[#2 re #1]", 2: "[#3 re #2]"})
    assert format_document(parse_document(text)) == text


@pytest.mark.django_db
def test_export_then_import_keeps_every_thread(root_page):
    text = threaded(
        bundled(),
        {0: "[#1]", 1: "[#2 re #1]", 2: "[#3 re #2]", 4: "[#5 re #1]"},
    )
    result = import_document(text.encode(), name="doc.txt", timezone=UTC)
    page = get_article_model().objects.get(pk=result.page_id)
    comments = list(Comment.objects.filter(page=page).order_by("posted_at", "pk"))
    assert comments[1].parent_id == comments[0].pk
    assert (comments[2].parent_id, comments[2].level) == (comments[1].pk, 2)
    assert comments[4].parent_id == comments[0].pk
    assert comments[2].thread_id == comments[0].pk

    exported = export_document(page, timezone=UTC)
    assert exported == text

    page.delete()
    again = import_document(exported.encode(), name="doc.txt", timezone=UTC)
    copy = list(
        Comment.objects.filter(page_id=again.page_id).order_by("posted_at", "pk")
    )
    shape = [(c.author_name, c.level) for c in copy]
    assert shape == [(c.author_name, c.level) for c in comments]


@pytest.mark.django_db
def test_an_unthreaded_article_exports_as_before(root_page):
    result = import_document(bundled().encode(), name="doc.txt", timezone=UTC)
    page = get_article_model().objects.get(pk=result.page_id)
    assert export_document(page, timezone=UTC) == bundled()


@pytest.mark.django_db
def test_a_reply_under_a_hidden_parent_exports_as_a_top_level_comment(root_page):
    text = threaded(bundled(), {0: "[#1]", 1: "[#2 re #1]"})
    result = import_document(text.encode(), name="doc.txt", timezone=UTC)
    page = get_article_model().objects.get(pk=result.page_id)
    first = Comment.objects.filter(page=page).order_by("posted_at", "pk").first()
    Comment.objects.filter(pk=first.pk).update(status=CommentStatus.PENDING)

    document = parse_document(export_document(page, timezone=UTC))

    assert all(c.number is None for c in document.comments)
    assert len(document.comments) == 18


@pytest.mark.django_db
def test_a_re_import_adds_a_reply_to_a_comment_the_article_holds(root_page):
    text = threaded(bundled(), {0: "[#1]", 1: "[#2 re #1]"})
    first = import_document(text.encode(), name="doc.txt", timezone=UTC)
    later = (
        text
        + "\n\nZed Late\nZed Late\n\nA late reply."
        + "\n\nJuly 30, 2023 at 10:00 [#20 re #1]"
    )

    again = import_document(later.encode(), name="doc.txt", timezone=UTC)

    assert again.page_id == first.page_id
    assert again.comments_added == 1
    top = Comment.objects.filter(page_id=first.page_id).order_by("posted_at").first()
    late = Comment.objects.get(author_name="Zed Late")
    assert (late.parent_id, late.thread_id, late.level) == (top.pk, top.pk, 1)
