"""Tests for the pure parser in ``wagtail_dvt.importer.parser``.

No database: the parser turns text into dataclasses and nothing else. The golden
test reads the bundled article from the checkout; edge cases use small files in
``tests/fixtures/`` (``malformed_*.txt`` for documents that must be refused) or
inline strings.
"""

from datetime import date, datetime
from pathlib import Path

import pytest

from wagtail_dvt.importer.errors import ParseError
from wagtail_dvt.importer.parser import month_number, parse_document

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "fixtures"
BUNDLED = TESTS_DIR.parent / "wagtail_dvt/documents/dvt-interventional-radiology.txt"


def read_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str):
    return parse_document(read_fixture(name), name)


@pytest.fixture(scope="module")
def bundled():
    return parse_document(BUNDLED.read_bytes(), BUNDLED.name)


# -- golden test: the bundled document ----------------------------------------

# (heading, paragraph count, start of content, end of content)
BUNDLED_SECTIONS = [
    (
        "Understanding Deep Vein Thrombosis",
        1,
        "Before we delve into the specifics of how",
        "the lungs, causing a pulmonary embolism.",
    ),
    (
        "Interventional Radiology: A Brief Overview",
        1,
        "Interventional radiology is a specialty within",
        "a variety of conditions, DVT being one of them.",
    ),
    (
        "How Interventional Radiology Helps in Diagnosing DVT",
        1,
        "The first step in treating DVT is diagnosing it",
        "the presence and location of a blood clot.",
    ),
    (
        "Interventional Radiology Treatments for DVT",
        1,
        "Once DVT is diagnosed, interventional radiology",
        "and can provide rapid relief from symptoms.",
    ),
    (
        "The Benefits of Interventional Radiology in DVT Treatment",
        1,
        "There are several benefits to using interventional",
        "when performed early after a clot has formed.",
    ),
    (
        "Post-Treatment Care and Follow-up",
        1,
        "After undergoing an interventional radiology procedure",
        "quitting smoking are also usually recommended.",
    ),
    (
        "The Future of Interventional Radiology in DVT Treatment",
        1,
        "The field of interventional radiology is constantly",
        "the future of DVT treatment is promising.",
    ),
    (
        "Conclusion",
        1,
        "To sum it up, interventional radiology plays",
        "effective treatments for DVT in the future.",
    ),
]

# (author name exactly as written, posted_at as written, naive)
BUNDLED_COMMENTS = [
    ("Mangal DUTT Sharma", datetime(2023, 6, 27, 21, 53)),
    ("Gracee Taylor", datetime(2023, 6, 28, 14, 0)),
    ("Leslie Woods", datetime(2023, 6, 29, 6, 6)),
    ("Manish Singh", datetime(2023, 6, 29, 22, 13)),
    ("Dipak Pawar", datetime(2023, 6, 30, 14, 20)),
    ("Jonathan Alvarenga", datetime(2023, 7, 1, 6, 26)),
    ("Jim McDermott", datetime(2023, 7, 1, 22, 33)),
    ("Naomi Ho", datetime(2023, 7, 2, 14, 40)),
    ("Christine Watson", datetime(2023, 7, 3, 6, 46)),
    ("Macy Weaver", datetime(2023, 7, 3, 22, 53)),
    ("James McCracken", datetime(2023, 7, 4, 15, 0)),
    ("Evelyn XCII", datetime(2023, 7, 5, 7, 6)),
    ("Suzanne Podany", datetime(2023, 7, 5, 23, 13)),
    ("Nina Vera", datetime(2023, 7, 6, 15, 20)),
    ("Christopher Stanford", datetime(2023, 7, 7, 7, 26)),
    ("Steve Ellis", datetime(2023, 7, 7, 23, 33)),
    ("Jennifer Brenko", datetime(2023, 7, 8, 15, 40)),
    # Mojibake in the source, kept as written: U+0102 LATIN CAPITAL A WITH BREVE.
    ("Harold God\u0102nez", datetime(2023, 7, 9, 7, 46)),
    ("Sunil Kamle", datetime(2023, 7, 9, 23, 53)),
]

# \u2011 is a NON-BREAKING HYPHEN; the emoji are U+1F61F and U+1F60A.
FIRST_COMMENT_BODY = (
    "Deep vein thrombosis can be a frightening diagnosis, especially when patients"
    " hear about the risk of pulmonary embolism \U0001f61f.\n"
    "The ability to perform duplex ultrasound at the bedside reduces delays that"
    " might otherwise occur with conventional imaging.\n"
    "When a clot is visualized, catheter-directed thrombolysis allows targeted drug"
    " delivery, which can lessen systemic bleeding risks.\n"
    "Furthermore, mechanical thrombectomy devices have evolved to retrieve thrombus"
    " more efficiently while preserving vein integrity.\n"
    "Patients who receive these minimally invasive interventions often report less"
    " postoperative pain compared to open surgery.\n"
    "Recovery times can shrink from weeks to days, enabling a quicker return to"
    " daily activities and work.\n"
    "In addition, the reduced hospital stay eases the financial burden on both"
    " families and healthcare systems.\n"
    "It is also worth noting that combining anticoagulation with interventional"
    " procedures can improve long\u2011term patency rates of the venous system.\n"
    "Follow\u2011up duplex scans are essential to monitor for re\u2011thrombosis,"
    " and many centers have structured surveillance protocols.\n"
    "Lifestyle modifications, such as regular walking, weight management, and"
    " smoking cessation, synergize with medical therapy to lower recurrence.\n"
    "Emerging technologies like biodegradable stents promise even less foreign"
    " material remaining in the body after healing.\n"
    "Targeted drug\u2011eluting catheters are being trialed to provide sustained"
    " thrombolytic activity directly at the clot site.\n"
    "All of these advances illustrate how interventional radiology is reshaping DVT"
    " management from a reactive to a proactive discipline.\n"
    "Patients should feel empowered to discuss these options with their vascular"
    " team, as personalized care pathways are becoming the norm \U0001f60a.\n"
    "Ultimately, the goal is to restore vein function while minimizing"
    " complications, and the current trajectory looks very promising."
)

DIPAK_PAWAR_BODY = (
    "Indeed, the cost\u2011utility analysis of endovascular thrombolysis versus"
    " systemic anticoagulation demonstrates a favorable incremental"
    " cost\u2011effectiveness ratio when stratified by clot burden and limb"
    " ischemia severity."
)

NINA_VERA_BODY = (
    "OMG you guys, can you believe how far we've come? From open surgery that left"
    " scars to sleek catheters that glide like silk! The drama of watching a clot"
    " dissolve under live imaging is practically a Netflix binge for the med world!"
    " I swear, the adrenaline rush surgeons feel when they see that"
    " post\u2011procedure venogram is unreal! And the patient? They're back on"
    " their feet faster than a superhero in a blockbuster! It's like the medical"
    " field just dropped the mic on old\u2011school methods! \U0001f3ac"
)

# Curly quotes U+2019, U+201C, U+201D are kept, not normalised.
HAROLD_BODY = (
    "Just a heads up, it\u2019s \u201ccatheter\u2011directed\u201d with a hyphen,"
    " not \u201ccatheter directed\u201d. Minor details but they matter."
)


def test_bundled_document_header(bundled):
    assert bundled.title == (
        "The Role of Interventional Radiology in Deep Vein Thrombosis Treatment"
    )
    assert bundled.author == "Hamish Negi"
    assert bundled.date == date(2023, 6, 27)


def test_bundled_document_sections(bundled):
    # The repeated title and the "27June" badge are not sections.
    assert [s.heading for s in bundled.sections] == [h for h, *_ in BUNDLED_SECTIONS]
    for section, (heading, count, start, end) in zip(
        bundled.sections, BUNDLED_SECTIONS, strict=True
    ):
        assert len(section.paragraphs) == count, heading
        assert section.content.startswith(start), heading
        assert section.content.endswith(end), heading
    # U+2019 in the first paragraph is kept.
    assert "it\u2019s important" in bundled.sections[0].content


def test_bundled_document_section_lines(bundled):
    assert bundled.sections[0].line == 9
    assert bundled.sections[1].line == 13
    assert bundled.sections[-1].line == 37


def test_bundled_document_comment_authors_and_times(bundled):
    assert [(c.author_name, c.posted_at) for c in bundled.comments] == (
        BUNDLED_COMMENTS
    )
    assert all(c.posted_at.tzinfo is None for c in bundled.comments)


def test_bundled_document_first_comment_body(bundled):
    body = bundled.comments[0].body
    assert body == FIRST_COMMENT_BODY
    assert len(body.split("\n")) == 15


def test_bundled_document_long_single_line_bodies(bundled):
    bodies = {c.author_name: c.body for c in bundled.comments}
    assert bodies["Dipak Pawar"] == DIPAK_PAWAR_BODY
    assert bodies["Nina Vera"] == NINA_VERA_BODY
    assert bodies["Harold God\u0102nez"] == HAROLD_BODY
    assert "\n" not in bodies["Dipak Pawar"]
    assert "\n" not in bodies["Nina Vera"]


def test_bundled_document_comment_lines(bundled):
    assert bundled.comments[0].line == 45
    assert bundled.comments[1].line == 66
    assert bundled.comments[-1].line == 185


# -- input forms ----------------------------------------------------------------


def test_bytes_and_str_give_the_same_document(bundled):
    text = BUNDLED.read_text(encoding="utf-8")
    assert parse_document(text, BUNDLED.name) == bundled


@pytest.mark.parametrize("name", ["bundled", "comments.txt", "sections.txt"])
def test_crlf_gives_the_same_document_as_lf(name):
    data = BUNDLED.read_bytes() if name == "bundled" else read_fixture(name)
    assert b"\r" not in data
    crlf = data.replace(b"\n", b"\r\n")
    assert parse_document(crlf) == parse_document(data)


def test_utf8_bom_is_ignored(bundled):
    data = BUNDLED.read_bytes()
    assert parse_document(b"\xef\xbb\xbf" + data, BUNDLED.name) == bundled
    text = "\ufeff" + data.decode("utf-8")
    assert parse_document(text, BUNDLED.name) == bundled
    crlf_with_bom = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    assert parse_document(crlf_with_bom, BUNDLED.name) == bundled


def test_month_number():
    assert month_number("Jun") == 6
    assert month_number("june") == 6
    assert month_number("Sept") == 9
    assert month_number("Sep") == 9
    assert month_number("Juno") is None


# -- sections -------------------------------------------------------------------


def test_multi_paragraph_sections():
    document = parse_fixture("sections.txt")
    assert document.title == "A Guide to Compression Stockings"
    assert document.author == "Ada Lovelace"
    assert document.date == date(2023, 9, 5)  # "Sept" is accepted
    assert [(s.heading, s.line) for s in document.sections] == [
        ("Why Wear Them", 5),
        ("Choosing a Size", 12),
        # A short line without a full stop after a paragraph starts a section.
        ("Wearing Them Every Day", 18),
    ]
    why, size, wearing = document.sections
    assert why.paragraphs == (
        "Compression stockings squeeze the leg gently,\n"
        "helping blood flow back to the heart.",
        "They are not a cure.",
    )
    assert why.content == (
        "Compression stockings squeeze the leg gently,\n"
        "helping blood flow back to the heart.\n"
        "\n"
        "They are not a cure."
    )
    # A short line right after a heading is that section's text, not a heading.
    assert size.paragraphs == (
        "Measure first",
        "Ask a pharmacist to measure your ankle and calf in the morning.",
    )
    assert wearing.content == "Put them on before getting out of bed."


# -- comments -------------------------------------------------------------------


def test_comment_bodies_keep_inner_blank_lines():
    document = parse_fixture("comments.txt")
    # Badge "5 Sept" and the repeated title are accepted and skipped.
    assert document.title == "Living With DVT"
    assert document.date == date(2023, 9, 5)
    assert [s.heading for s in document.sections] == ["Day to Day"]

    alice = document.comments[0]
    assert alice.author_name == "Alice Brown"
    assert alice.line == 17
    assert alice.posted_at == datetime(2023, 9, 5, 9, 15)
    # Blank lines before and after the body are trimmed; blank lines inside
    # (one, then two in a row) are kept exactly.
    assert alice.body == (
        "First paragraph of my comment.\n"
        "\n"
        "Second paragraph, after one blank line.\n"
        "\n"
        "\n"
        "Third paragraph, after two blank lines."
    )


def test_same_author_same_minute_comments_are_both_kept():
    document = parse_fixture("comments.txt")
    assert [(c.author_name, c.posted_at, c.line) for c in document.comments] == [
        ("Alice Brown", datetime(2023, 9, 5, 9, 15), 17),
        ("Bob Stone", datetime(2023, 9, 5, 10, 0), 31),
        ("Bob Stone", datetime(2023, 9, 5, 10, 0), 38),
    ]
    assert document.comments[2].body == "And a second comment in the same minute."


def test_body_line_that_looks_like_a_byline_is_kept():
    document = parse_fixture("comments.txt")
    assert document.comments[1].body == (
        "Posted on Sep 5, 2023 by Bob Stone, as the byline would say."
    )


SECTIONS_ONLY = (FIXTURES / "sections.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(SECTIONS_ONLY, id="ends-after-last-section"),
        pytest.param(SECTIONS_ONLY.rstrip("\n"), id="no-trailing-newline"),
        pytest.param(SECTIONS_ONLY + "\nWrite a comment\n", id="ends-after-write"),
        pytest.param(
            SECTIONS_ONLY + "\nWrite a comment\n\nComments\n", id="ends-after-comments"
        ),
        pytest.param(
            SECTIONS_ONLY + "\nWrite a comment\n\nComments\n\n\n", id="trailing-blanks"
        ),
    ],
)
def test_document_without_comments(text):
    document = parse_document(text)
    assert document.comments == ()
    assert [s.heading for s in document.sections] == [
        "Why Wear Them",
        "Choosing a Size",
        "Wearing Them Every Day",
    ]


def test_badge_and_repeated_title_are_optional():
    minimal = "T\n\nPosted on Jun 27, 2023 by A\n\nH\n\nP.\n"
    with_both = "T\n\n27June\n\nPosted on Jun 27, 2023 by A\n\nT\n\nH\n\nP.\n"
    for text in (minimal, with_both):
        document = parse_document(text)
        assert (document.title, document.author) == ("T", "A")
        assert document.date == date(2023, 6, 27)
        assert [(s.heading, s.paragraphs) for s in document.sections] == [
            ("H", ("P.",))
        ]


# -- malformed documents ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "phrase"),
    [
        pytest.param("malformed_not_utf8.txt", 3, "not valid UTF-8", id="not-utf8"),
        pytest.param("malformed_empty.txt", 1, "the document is empty", id="empty"),
        pytest.param(
            "malformed_whitespace_only.txt",
            1,
            "the document is empty",
            id="whitespace-only",
        ),
        pytest.param(
            "malformed_no_byline.txt",
            3,
            "expected the byline 'Posted on Mon D, YYYY by NAME', but found 'Heading'",
            id="no-byline",
        ),
        pytest.param(
            "malformed_byline_date.txt",
            3,
            "impossible date Feb 30, 2023",
            id="byline-feb-30",
        ),
        pytest.param(
            "malformed_badge_mismatch.txt",
            3,
            "the date badge '28June' does not match the byline's date",
            id="badge-mismatch",
        ),
        pytest.param(
            "malformed_no_sections.txt",
            7,
            "the article has no sections",
            id="no-sections",
        ),
        pytest.param(
            "malformed_heading_without_text.txt",
            9,
            "the section 'Last Heading' has no text",
            id="heading-without-text",
        ),
        pytest.param(
            "malformed_paragraph_first.txt",
            5,
            "expected a section heading (one short line), found a paragraph",
            id="paragraph-first",
        ),
        pytest.param(
            "malformed_comments_heading.txt",
            11,
            "expected 'Comments' after 'Write a comment', but found 'Leave a reply'",
            id="no-comments-line",
        ),
        pytest.param(
            "malformed_name_not_repeated.txt",
            14,
            "expected the commenter's name 'Alice' repeated on the next line",
            id="name-not-repeated",
        ),
        pytest.param(
            "malformed_missing_time_middle.txt",
            13,
            "the comment by 'Alice' has no time line; expected a time line "
            "'Month D, YYYY at HH:MM' before the next comment at line 18",
            id="missing-time-middle",
        ),
        pytest.param(
            "malformed_missing_time_end.txt",
            13,
            "the comment by 'Alice' has no time line",
            id="missing-time-end",
        ),
        pytest.param(
            "malformed_comment_date.txt",
            18,
            "impossible date February 30, 2023",
            id="comment-feb-30",
        ),
        pytest.param(
            "malformed_comment_time.txt",
            18,
            "impossible time 24:61",
            id="comment-time-24-61",
        ),
        pytest.param(
            "malformed_month_name.txt",
            18,
            "'Juno' is not an English month name",
            id="unknown-month",
        ),
        pytest.param(
            "malformed_comment_without_text.txt",
            13,
            "the comment by 'Alice' has no text",
            id="comment-without-text",
        ),
    ],
)
def test_malformed_document(name, line, phrase):
    with pytest.raises(ParseError) as excinfo:
        parse_fixture(name)
    err = excinfo.value
    assert phrase in err.message
    assert err.source == name
    assert err.line == line
    assert str(err).startswith(f"{name}:{line}: ")


def test_no_sections_without_trailing_newline():
    # Same as malformed_no_sections.txt minus the final newline: the error
    # still points at 'Write a comment'.
    text = read_fixture("malformed_no_sections.txt").decode().rstrip("\n")
    with pytest.raises(ParseError, match="the article has no sections") as excinfo:
        parse_document(text, "doc.txt")
    assert excinfo.value.line == 7
    assert str(excinfo.value).startswith("doc.txt:7: ")


def test_stray_time_line_is_refused():
    text = read_fixture("malformed_comment_without_text.txt").decode()
    text = text.replace("Alice\nAlice\n\n", "")
    with pytest.raises(ParseError, match="found a time line with no comment") as exc:
        parse_document(text, "doc.txt")
    assert exc.value.line == 13


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        pytest.param("Title\n", 1, "but the document ends", id="no-byline"),
        pytest.param(
            read_fixture("malformed_missing_time_end.txt")
            .decode()
            .replace("Alice\n\nBody.\n", ""),
            13,
            "repeated on the next line, but the document ends",
            id="name-at-end",
        ),
    ],
)
def test_errors_at_end_of_file_point_at_the_last_line(text, line, phrase):
    with pytest.raises(ParseError) as excinfo:
        parse_document(text, "doc.txt")
    assert phrase in excinfo.value.message
    assert excinfo.value.line == line


def test_comments_line_alone_ends_the_sections():
    text = (
        "T\n\nPosted on Jun 27, 2023 by A\n\nH\n\nP.\n\nComments\n\n"
        "Alice\nAlice\n\nHi.\n\nJune 28, 2023 at 10:00\n"
    )
    document = parse_document(text)
    assert [s.heading for s in document.sections] == ["H"]
    assert [c.author_name for c in document.comments] == ["Alice"]


# -- hidden comments ------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_a_hidden_status_after_the_time_is_read(status):
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "June 27, 2023 at 21:53", f"June 27, 2023 at 21:53 ({status})", 1
    )
    document = parse_document(text)
    assert document.comments[0].status == status
    assert document.comments[0].posted_at == datetime(2023, 6, 27, 21, 53)
    assert {comment.status for comment in document.comments[1:]} == {None}


@pytest.mark.parametrize("marker", ["(approved)", "(Spam)", "(deleted)", "spam"])
def test_an_unknown_marker_after_the_time_is_refused(marker):
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "June 27, 2023 at 21:53", f"June 27, 2023 at 21:53 {marker}", 1
    )
    with pytest.raises(ParseError, match="has no time line"):
        parse_document(text)


# -- format 2 -------------------------------------------------------------------

KEY = "0123456789abcdef0123456789abcdef"


def test_a_format_2_document_reads_its_key_and_unescapes_body_lines():
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "Key point is to combine",
        "\\June 27, 2023 at 21:53\n\\\\ kept\n\\Key point is to combine",
        1,
    )
    document = parse_document(f"\n\ndvt-format: 2\nsource-key: {KEY}\n\n{text}")
    assert document.source_key == KEY
    naomi = next(c for c in document.comments if c.author_name == "Naomi Ho")
    assert naomi.body.splitlines()[:3] == [
        "June 27, 2023 at 21:53",
        "\\ kept",
        "Key point is to combine anticoagulation with catheter‑directed therapy "
        "for optimal results especially in extensive proximal DVT",
    ]


def test_a_format_1_document_keeps_its_backslashes():
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "Key point is", "\\Key point is", 1
    )
    naomi = next(
        c for c in parse_document(text).comments if c.author_name == "Naomi Ho"
    )
    assert naomi.body.startswith("\\Key point is")
    assert parse_document(text).source_key is None


@pytest.mark.parametrize(
    ("header", "line", "phrase"),
    [
        ("dvt-format: 3", 1, "unknown format version '3'"),
        (f"dvt-format: 2\nsource-key: {KEY.upper()}", 2, "32 lowercase hex"),
        (f"dvt-format: 2\nsource-key: {KEY}\nsource-key: {KEY}", 3, "given twice"),
        ("dvt-format: 2\nparent: 4", 2, "expected a header line"),
        ("\ndvt-format: 2\nThe title", 3, "expected a header line"),
    ],
)
def test_a_bad_header_is_refused_at_its_line(header, line, phrase):
    text = header + "\n\n" + BUNDLED.read_text(encoding="utf-8")
    with pytest.raises(ParseError, match=phrase) as caught:
        parse_document(text, "doc.txt")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"doc.txt:{line}: ")


def test_a_reply_marker_is_refused_in_format_1_and_checked_in_format_2():
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "June 27, 2023 at 21:53", "June 27, 2023 at 21:53 [#1 re #2]", 1
    )
    with pytest.raises(ParseError, match="has no time line"):
        parse_document(text)
    # Format 2 reads the marker (tests/test_thread_format.py): a reply must
    # name an entry above it, so no reply is imported as a top-level comment.
    with pytest.raises(ParseError, match="no entry above it"):
        parse_document("dvt-format: 2\n\n" + text)


def test_the_parser_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys; import wagtail_dvt.importer.parser, "
        "wagtail_dvt.importer.formatter, wagtail_dvt.importer.identity; "
        "print(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=TESTS_DIR.parent,
        check=True,
    )
    assert result.stdout.strip() == "False"
