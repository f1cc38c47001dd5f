"""Property tests: documents survive parse -> import -> export unchanged, and
broken documents always fail with a ``PATH:LINE:`` error, never a traceback."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_dvt.importer import (
    BUNDLED_DOCUMENT,
    ParseError,
    import_document,
    parse_document,
)
from wagtail_dvt.importer.exporter import export_document
from wagtail_dvt.importer.formatter import format_document
from wagtail_dvt.importer.parser import (
    _BADGE,
    _BYLINE,
    _TIMESTAMP,
    COMMENTS,
    HEADING_MAX_LENGTH,
    WRITE_A_COMMENT,
)
from wagtail_dvt.importer.types import ArticleDocument, ReaderComment, Section
from wagtail_dvt.models import get_article_model

ArticlePage = get_article_model()

MARKERS = {WRITE_A_COMMENT, COMMENTS}

# Any printable text, emoji and non-breaking hyphens included, but no line
# breaks: those are the format's structure.
characters = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
    blacklist_characters="\r\n\x85",
)


def is_structural(line):
    line = line.strip()
    return (
        line in MARKERS
        or _TIMESTAMP.fullmatch(line) is not None
        or _BYLINE.fullmatch(line) is not None
        or _BADGE.fullmatch(line) is not None
    )


one_line = (
    st.text(characters, min_size=1, max_size=40)
    .filter(lambda text: text == text.strip() and text)
    .filter(lambda text: not is_structural(text))
)
heading = one_line.filter(
    lambda text: (
        len(text) <= HEADING_MAX_LENGTH and not text.endswith((".", ",", ";", ":"))
    )
)
sentence = one_line.map(lambda text: text + ".")


@st.composite
def sections(draw):
    # Every paragraph after the first ends like a sentence, so that the
    # parser cannot take it for the next heading.
    paragraphs = [draw(one_line)] + draw(st.lists(sentence, max_size=3))
    return Section(heading=draw(heading), paragraphs=tuple(paragraphs), line=0)


@st.composite
def comment_bodies(draw):
    lines = draw(st.lists(st.one_of(one_line, st.just("")), min_size=1, max_size=6))
    body = [draw(one_line), *lines, draw(one_line)]
    # A blank line, a line, the same line, a blank line reads as a new comment.
    for index in range(len(body) - 1):
        if body[index] and body[index] == body[index + 1]:
            body[index + 1] += "!"
    return "\n".join(body)


@st.composite
def documents(draw):
    minutes = st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)
    ).map(lambda moment: moment.replace(second=0, microsecond=0))
    comments = draw(
        st.lists(
            st.builds(
                ReaderComment,
                author_name=one_line,
                body=comment_bodies(),
                posted_at=minutes,
                line=st.just(0),
            ),
            max_size=4,
        )
    )
    return ArticleDocument(
        title=draw(one_line.filter(lambda text: any(c.isalnum() for c in text))),
        author=draw(one_line),
        date=draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))),
        sections=tuple(draw(st.lists(sections(), min_size=1, max_size=4))),
        # Exports list comments oldest first, as the site shows them.
        comments=tuple(sorted(comments, key=lambda comment: comment.posted_at)),
    )


def without_lines(document):
    return document.__class__(
        title=document.title,
        author=document.author,
        date=document.date,
        sections=tuple(
            Section(s.heading, s.paragraphs, line=0) for s in document.sections
        ),
        comments=tuple(
            ReaderComment(c.author_name, c.body, c.posted_at, line=0)
            for c in document.comments
        ),
    )


def test_bundled_document_round_trips_through_the_database(db):
    import_document(BUNDLED_DOCUMENT)
    page = ArticlePage.objects.get()
    assert export_document(page, timezone=UTC) == BUNDLED_DOCUMENT.read_text("utf-8")


@settings(max_examples=60, deadline=None)
@given(document=documents(), newline=st.sampled_from(["\n", "\r\n"]))
def test_parse_then_format_is_identity(document, newline):
    text = format_document(document, newline=newline)
    parsed = parse_document(text.encode("utf-8"))
    assert without_lines(parsed) == document
    assert format_document(parsed, newline=newline) == text


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(document=documents(), newline=st.sampled_from(["\n", "\r\n"]))
def test_import_then_export_reproduces_the_document(db, document, newline):
    text = format_document(document, newline=newline)
    with transaction.atomic():
        result = import_document(text.encode("utf-8"), name="doc.txt", timezone=UTC)
        page = ArticlePage.objects.get(pk=result.page_id)
        exported = export_document(page, timezone=UTC)
        transaction.set_rollback(True)
    assert exported == format_document(document)


ERROR_LINE = re.compile(r"doc\.txt:(\d+): \S")


@st.composite
def broken_documents(draw):
    lines = format_document(draw(documents())).split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if not lines:
            break
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["delete", "replace", "duplicate", "cut"]))
        if action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "replace":
            lines[index] = draw(st.text(characters, max_size=30))
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "cut":
            lines = lines[:index]
    text = "\n".join(lines).encode("utf-8")
    if draw(st.booleans()):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:position] + b"\xff" + text[position:]
    return text


@settings(max_examples=300, deadline=None)
@given(data=broken_documents())
def test_broken_documents_fail_with_a_line_number(data):
    try:
        parse_document(data, "doc.txt")
    except ParseError as err:
        match = ERROR_LINE.match(str(err))
        assert match, str(err)
        assert 1 <= int(match[1]) <= max(1, data.count(b"\n") + 1)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_export_command_writes_what_was_imported(db, tmp_path, newline):
    source = tmp_path / "doc.txt"
    source.write_bytes(BUNDLED_DOCUMENT.read_bytes().replace(b"\n", newline.encode()))
    page_id = import_document(source).page_id
    target = tmp_path / "out.txt"
    call_command("export_article", str(page_id), output=str(target))
    assert target.read_bytes() == BUNDLED_DOCUMENT.read_bytes()


def test_export_command_refuses_other_pages(db):
    with pytest.raises(CommandError, match="is not an article page"):
        call_command("export_article", "/")


@pytest.mark.parametrize(
    "body",
    [
        "Fine.\n\nJune 27, 2023 at 21:53\n\nAnd more.",
        "June 27, 2023 at 21:53 (spam)",
        "\\June 1, 2023 at 10:00\n\\ a backslash",
        "Same line\nSame line\n\nthen more",
        "  July 9, 2023 at 23:53  \nindented",
    ],
)
def test_a_comment_that_looks_like_structure_exports_and_reads_back(body, db):
    from wagtail_dvt.models import Comment

    page = ArticlePage.objects.get(pk=import_document().page_id)
    comment = Comment.objects.filter(page=page).first()
    comment.body = body
    comment.save()
    out = io.StringIO()
    call_command("export_article", str(page.pk), stdout=out)
    text = out.getvalue()

    assert text.startswith("dvt-format: 2\n")
    document = parse_document(text)
    assert document.comments[0].body == body
    assert [c.body for c in document.comments[1:]] == list(
        Comment.objects.filter(page=page).values_list("body", flat=True)[1:]
    )


@pytest.mark.parametrize(
    "body",
    ["Fine.\n\nThanks.\n\n", "Line one\r\nline two"],
    ids=["trailing-blank-lines", "carriage-return"],
)
def test_export_refuses_a_comment_that_parses_but_reads_back_changed(db, body):
    """Text that parses, but as other text: the read-back comparison catches it."""
    from wagtail_dvt.importer.exporter import ExportError
    from wagtail_dvt.models import Comment

    page = ArticlePage.objects.get(pk=import_document().page_id)
    Comment.objects.filter(pk=Comment.objects.filter(page=page).first().pk).update(
        body=body
    )
    with pytest.raises(
        ExportError,
        match=r"^'.+' cannot be exported faithfully: its sections or comments "
        r"would read back differently$",
    ):
        export_document(page, timezone=UTC)


def test_export_refuses_a_page_whose_text_would_not_parse(db):
    """A title with a line break formats, but the read-back fails: the parser's
    message, after the title, is the error's."""
    from wagtail_dvt.importer.exporter import ExportError

    page = ArticlePage.objects.get(pk=import_document().page_id)
    page.title = "Two\nlines"

    with pytest.raises(
        ExportError,
        match=r"^'Two\\nlines' cannot be exported faithfully: expected the byline ",
    ):
        export_document(page, timezone=UTC)


def test_comment_times_are_exported_in_the_time_zone_asked_for(db):
    """Not in the site's: the format has no zone, the reader of the file picks it."""
    from zoneinfo import ZoneInfo

    from wagtail_dvt.models import Comment, CommentStatus

    page = ArticlePage.objects.get(pk=import_document().page_id)
    first = (
        Comment.objects.filter(page=page, status=CommentStatus.APPROVED)
        .order_by("posted_at", "pk")
        .first()
    )
    tokyo = ZoneInfo("Asia/Tokyo")

    document = parse_document(export_document(page, timezone=tokyo))

    assert document.comments[0].posted_at == first.posted_at.astimezone(tokyo).replace(
        tzinfo=None, second=0, microsecond=0
    )
