"""Read the blog export format into an :class:`ArticleDocument`.

Pure: text in, dataclasses out, no Django. Every error carries the line it was
found on. The format is specified in ``docs/format.md``; in short::

    TITLE
    27June                                  (date badge, optional)
    Posted on Jun 27, 2023 by AUTHOR
    TITLE                                   (repeated, optional)
    HEADING / paragraphs...                 (one or more sections)
    Write a comment
    Comments
    NAME / NAME / body lines / June 27, 2023 at 21:53   (zero or more comments)
    ... / June 27, 2023 at 21:53 (spam)     (a comment that was not public)

Blank lines separate the parts. Content is kept exactly as written: emoji,
non-breaking hyphens and misspelt names included.

Format 2 adds a header before the title (``dvt-format: 2``, then ``name:
value`` lines up to a blank line) and escapes comment body lines with a
backslash. A document without the header is format 1 and reads as it always
did.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .errors import ParseError
from .types import ArticleDocument, ReaderComment, Section

WRITE_A_COMMENT = "Write a comment"
#: The first line of a format 2 document's header.
FORMAT_HEADER = "dvt-format"
FORMAT_VERSION = 2
SOURCE_KEY_HEADER = "source-key"
#: In format 2, a comment body line that starts with this has it removed: the
#: writer adds it to a line that would read as structure (a time line).
ESCAPE = "\\"
COMMENTS = "Comments"

# A heading is one short line that does not end like a sentence; anything else
# after a heading's first paragraph continues that section.
HEADING_MAX_LENGTH = 120
# Titles, author and commenter names and headings are stored in 255-character
# columns; PostgreSQL would refuse longer ones mid-import, SQLite keep them.
MAX_LINE_VALUE_LENGTH = 255
_SENTENCE_ENDINGS = (".", ",", ";", ":")

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_LINE_BREAK = re.compile(r"\r?\n")
_HEADER_LINE = re.compile(r"(?P<name>[a-z][a-z0-9-]*):[ \t]*(?P<value>.*)")
_SOURCE_KEY = re.compile(r"[0-9a-f]{32}")
_BADGE = re.compile(r"(?P<day>\d{1,2})\s*(?P<month>[A-Za-z]+)\.?")
_BYLINE = re.compile(
    r"Posted on (?P<month>[A-Za-z]+)\.? (?P<day>\d{1,2}), (?P<year>\d{4})"
    r" by (?P<author>\S.*)"
)
# Statuses of comments that were never public. An export made with
# ``--all-comments`` marks them after the time, so that no import ever makes
# them public (importers before this marker refuse such a time line).
HIDDEN_STATUSES = ("pending", "rejected", "spam")
_TIMESTAMP = re.compile(
    r"(?P<month>[A-Za-z]+)\.? (?P<day>\d{1,2}), (?P<year>\d{4})"
    r" at (?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?: \((?P<status>" + "|".join(HIDDEN_STATUSES) + r")\))?"
)
# Format 2's thread marker after the status: ``[#3]`` numbers an entry that
# has replies, ``[#4 re #3]`` a reply and the entry it answers. Format 1
# documents never have it: there, such a line is no time line, as before.
_THREAD_MARKER = r"(?: \[#(?P<number>\d{1,9})(?: re #(?P<replies_to>\d{1,9}))?\])?"
_THREADED_TIMESTAMP = re.compile(_TIMESTAMP.pattern + _THREAD_MARKER)


def parse_document(data: bytes | str, source: str = "<string>") -> ArticleDocument:
    """Parse one exported article; raise :class:`ParseError` naming the line.

    ``data`` may be bytes (decoded as UTF-8, with or without a BOM) or text.
    LF and CRLF line endings are both accepted.
    """
    lines = _LINE_BREAK.split(_decode(data, source))
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it starts no new one
    return _Parser(lines, source).parse()


def is_time_line(line: str) -> bool:
    """Whether ``line`` reads as a comment's time line, in any format: hidden
    status and thread marker included."""
    return _THREADED_TIMESTAMP.fullmatch(line.strip()) is not None


def month_number(name: str) -> int | None:
    """Map an English month name or its abbreviation ("Jun", "Sept") to 1-12."""
    key = name.lower()
    for number, month in enumerate(MONTH_NAMES, start=1):
        month = month.lower()
        if key in (month, month[:3]) or (month == "september" and key == "sept"):
            return number
    return None


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            raise ParseError(
                f"not valid UTF-8 (byte 0x{data[err.start]:02x}); "
                "expected a UTF-8 text file",
                source=source,
                line=line,
            ) from None
    if "\x00" in text:
        # PostgreSQL cannot store it, and no text file holds one.
        raise ParseError(
            "contains a NUL character; expected a text file",
            source=source,
            line=text.count("\n", 0, text.index("\x00")) + 1,
        )
    return text.removeprefix("\ufeff")


def _is_blank(line: str) -> bool:
    return not line.strip()


def _looks_like_heading(block: list[str]) -> bool:
    line = block[0].strip()
    return (
        len(block) == 1
        and len(line) <= HEADING_MAX_LENGTH
        and not line.endswith(_SENTENCE_ENDINGS)
    )


class _Parser:
    """A cursor over the document's lines; ``self.index`` is 0-based."""

    def __init__(self, lines: list[str], source: str):
        self.lines = lines
        self.source = source
        self.index = 0
        self.sections_end = 0
        self.version = 1
        self.numbers: set[int] = set()  # entry numbers of thread markers so far

    # -- cursor ---------------------------------------------------------------

    def at_end(self) -> bool:
        return self.index >= len(self.lines)

    def current(self) -> str:
        return self.lines[self.index].strip()

    def skip_blank_lines(self) -> None:
        while not self.at_end() and _is_blank(self.lines[self.index]):
            self.index += 1

    def error(self, message: str, index: int | None = None) -> ParseError:
        """An error at ``index`` (default: the cursor), at most the last line."""
        if index is None:
            index = self.index
        line = min(index, len(self.lines) - 1) + 1
        return ParseError(message, source=self.source, line=line)

    def found(self) -> str:
        return "the document ends" if self.at_end() else f"found {self.current()!r}"

    # -- grammar --------------------------------------------------------------

    def parse(self) -> ArticleDocument:
        self.skip_blank_lines()
        headers = self.header()
        self.skip_blank_lines()
        if self.at_end():
            raise self.error("the document is empty; expected the article title", 0)
        title = self.single_line_value("title", self.current())
        self.index += 1

        self.skip_blank_lines()
        badge = None
        if not self.at_end() and (match := _BADGE.fullmatch(self.current())):
            badge = (match, self.index)
            self.index += 1
            self.skip_blank_lines()

        posted_on, author = self.byline()
        if badge:
            self.check_badge(*badge, posted_on)

        self.skip_blank_lines()
        if not self.at_end() and self.current() == title:
            self.index += 1

        sections = self.sections()
        comments = self.comments()
        return ArticleDocument(
            title=title,
            author=author,
            date=posted_on,
            sections=tuple(sections),
            comments=tuple(comments),
            source_key=headers.get(SOURCE_KEY_HEADER),
        )

    def header(self) -> dict[str, str]:
        """Read a format 2 header, if the document starts with one.

        Only a first line ``dvt-format: N`` starts a header, so a document
        written before format 2 reads as it always did.
        """
        if self.at_end():
            return {}
        match = _HEADER_LINE.fullmatch(self.current())
        if match is None or match["name"] != FORMAT_HEADER:
            return {}
        if match["value"].strip() != str(FORMAT_VERSION):
            raise self.error(
                f"unknown format version {match['value'].strip()!r}; expected "
                f"'{FORMAT_HEADER}: {FORMAT_VERSION}' (or no header, format 1)"
            )
        self.version = FORMAT_VERSION
        headers = {}
        self.index += 1
        while not self.at_end() and not _is_blank(self.lines[self.index]):
            match = _HEADER_LINE.fullmatch(self.current())
            if match is None or match["name"] not in (SOURCE_KEY_HEADER,):
                raise self.error(
                    f"expected a header line '{SOURCE_KEY_HEADER}: KEY' or a blank "
                    f"line after the header, but {self.found()}"
                )
            if match["name"] in headers:
                raise self.error(f"the header {match['name']!r} is given twice")
            value = match["value"].strip()
            if not _SOURCE_KEY.fullmatch(value):
                raise self.error(
                    f"the source key {value!r} is not 32 lowercase hex digits"
                )
            headers[match["name"]] = value
            self.index += 1
        return headers

    def byline(self) -> tuple[date, str]:
        match = None if self.at_end() else _BYLINE.fullmatch(self.current())
        if match is None:
            raise self.error(
                "expected the byline 'Posted on Mon D, YYYY by NAME', "
                f"but {self.found()}"
            )
        posted_on = self.date(match["year"], match["month"], match["day"])
        author = self.single_line_value("author", match["author"].strip())
        self.index += 1
        return posted_on, author

    def check_badge(self, match: re.Match, index: int, posted_on: date) -> None:
        month = month_number(match["month"])
        if (month, int(match["day"])) != (posted_on.month, posted_on.day):
            raise self.error(
                f"the date badge {match[0]!r} does not match the byline's date; "
                f"expected {posted_on.day}{MONTH_NAMES[posted_on.month - 1]}",
                index,
            )

    def sections(self) -> list[Section]:
        blocks = self.section_blocks()
        sections: list[tuple[str, int, list[str]]] = []
        for start, block in blocks:
            starts_section = not sections or (
                sections[-1][2] and _looks_like_heading(block)
            )
            if starts_section and not _looks_like_heading(block):
                raise self.error(
                    "expected a section heading (one short line), found a paragraph",
                    start,
                )
            if starts_section:
                heading = self.single_line_value("heading", block[0].strip(), start)
                sections.append((heading, start, []))
            else:
                sections[-1][2].append("\n".join(block))

        if not sections:
            raise self.error(
                "the article has no sections; expected a heading and its text "
                f"before {WRITE_A_COMMENT!r}",
                self.sections_end,
            )
        heading, start, paragraphs = sections[-1]
        if not paragraphs:
            raise self.error(
                f"the section {heading!r} has no text; expected a paragraph "
                "after its heading",
                start,
            )
        return [
            Section(heading=heading, paragraphs=tuple(paragraphs), line=start + 1)
            for heading, start, paragraphs in sections
        ]

    def section_blocks(self) -> list[tuple[int, list[str]]]:
        """Blank-line separated blocks up to 'Write a comment', 'Comments' or EOF.

        Leaves the cursor on the line that ended the sections.
        """
        blocks = []
        while True:
            self.skip_blank_lines()
            if self.at_end() or self.current() in (WRITE_A_COMMENT, COMMENTS):
                self.sections_end = self.index
                return blocks
            start = self.index
            while not self.at_end() and not _is_blank(self.lines[self.index]):
                self.index += 1
            blocks.append((start, self.lines[start : self.index]))

    def comments(self) -> list[ReaderComment]:
        if not self.at_end() and self.current() == WRITE_A_COMMENT:
            self.index += 1
            self.skip_blank_lines()
        if self.at_end():
            return []
        if self.current() != COMMENTS:
            raise self.error(
                f"expected {COMMENTS!r} after {WRITE_A_COMMENT!r}, but {self.found()}"
            )
        self.index += 1
        comments = []
        while True:
            self.skip_blank_lines()
            if self.at_end():
                return comments
            comments.append(self.comment())

    def comment(self) -> ReaderComment:
        name_index = self.index
        name = self.single_line_value("commenter's name", self.current())
        if _TIMESTAMP.fullmatch(name):
            raise self.error(
                "expected a commenter's name, found a time line with no comment"
            )
        self.index += 1
        if self.at_end() or self.current() != name:
            raise self.error(
                f"expected the commenter's name {name!r} repeated on the next line, "
                f"but {self.found()}"
            )
        self.index += 1
        body_start = self.index
        time_index, match = self.find_time_line(name, name_index)
        body = self.lines[body_start:time_index]
        while body and _is_blank(body[0]):
            body.pop(0)
        while body and _is_blank(body[-1]):
            body.pop()
        if not body:
            raise self.error(f"the comment by {name!r} has no text", name_index)
        if self.version >= 2:
            body = [line.removeprefix(ESCAPE) for line in body]
        self.index = time_index
        posted_at = self.datetime(match)
        number, replies_to = self.thread_marker(match)
        self.index += 1
        return ReaderComment(
            author_name=name,
            body="\n".join(body),
            posted_at=posted_at,
            line=name_index + 1,
            status=match["status"],
            number=number,
            replies_to=replies_to,
        )

    def thread_marker(self, match: re.Match) -> tuple[int | None, int | None]:
        """The entry's number and the one it replies to, checked: numbers are
        unique, and a reply answers an entry above it."""
        groups = match.groupdict()
        if groups.get("number") is None:
            return None, None
        number = int(groups["number"])
        if number in self.numbers:
            raise self.error(
                f"the entry number #{number} is given twice; expected each "
                "entry to have its own number"
            )
        self.numbers.add(number)
        replies_to = groups.get("replies_to")
        if replies_to is None:
            return number, None
        replies_to = int(replies_to)
        if replies_to not in self.numbers or replies_to == number:
            raise self.error(
                f"the reply names #{replies_to}, which is no entry above it; "
                "expected the number of an earlier comment"
            )
        return number, replies_to

    def find_time_line(self, name: str, name_index: int) -> tuple[int, re.Match]:
        """Find the comment's time line, refusing to run into the next comment.

        Without the second check, a comment that lost its time line would
        swallow the next comment whole, and that comment would be lost silently.
        """
        expected = "a time line 'Month D, YYYY at HH:MM'"
        pattern = _THREADED_TIMESTAMP if self.version >= 2 else _TIMESTAMP
        for index in range(self.index, len(self.lines)):
            match = pattern.fullmatch(self.lines[index].strip())
            if match:
                return index, match
            if self.starts_comment(index):
                raise self.error(
                    f"the comment by {name!r} has no time line; expected {expected} "
                    f"before the next comment at line {index + 1}",
                    name_index,
                )
        raise self.error(
            f"the comment by {name!r} has no time line; expected {expected} "
            "after its text",
            name_index,
        )

    def starts_comment(self, index: int) -> bool:
        """A blank line, a name, the same name again, then a blank line."""
        lines = self.lines
        if index == 0 or index + 1 >= len(lines) or not _is_blank(lines[index - 1]):
            return False
        name = lines[index].strip()
        return (
            bool(name)
            and lines[index + 1].strip() == name
            and (index + 2 == len(lines) or _is_blank(lines[index + 2]))
        )

    # -- values ---------------------------------------------------------------

    def single_line_value(self, what: str, value: str, index: int | None = None):
        """Refuse titles, names and headings longer than Wagtail stores."""
        if len(value) > MAX_LINE_VALUE_LENGTH:
            raise self.error(
                f"the {what} is {len(value)} characters long; "
                f"expected at most {MAX_LINE_VALUE_LENGTH}",
                index,
            )
        return value

    def date(self, year: str, month_name: str, day: str) -> date:
        month = month_number(month_name)
        if month is None:
            raise self.error(f"{month_name!r} is not an English month name")
        try:
            return date(int(year), month, int(day))
        except ValueError:
            raise self.error(
                f"impossible date {month_name} {day}, {year}; expected a real "
                "calendar date"
            ) from None

    def datetime(self, match: re.Match) -> datetime:
        day = self.date(match["year"], match["month"], match["day"])
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise self.error(
                f"impossible time {match['hour']}:{match['minute']}; "
                "expected HH:MM on a 24-hour clock"
            )
        return datetime(day.year, day.month, day.day, hour, minute)
