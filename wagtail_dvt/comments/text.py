"""What a reader's text means, as opposed to how it was typed.

Pure functions, no Django: the forms use them to store what the length limits
counted, and the duplicate check, the word lists and the names' checks all
compare text through one normaliser, :func:`fold`, so that a case change, a
full-width letter or a zero-width space neither makes a repeated comment new
nor slips a listed word past the moderation rules.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

#: Every character that ``str.splitlines()`` breaks a line at: in a name, each
#: would start a new line in the moderators' email.
LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

#: Unicode's explicit direction controls (embeddings, overrides, isolates and
#: marks): in a name, ``\u202enimda`` shows as "admin" and reverses what follows.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

_CRLF_OR_CR = re.compile("\r\n?")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")


def store_newlines(text: str) -> str:
    """``text`` with browsers' CRLF and old Macs' CR stored as one LF.

    A textarea sends each line break as CRLF but counts it as one character
    for its ``maxlength``; the stored text and the length limit must agree.
    """
    return _CRLF_OR_CR.sub("\n", text)


def is_one_line(text: str) -> bool:
    """Whether ``text`` holds no line break of any kind."""
    return LINE_BREAK.search(text) is None


def one_line(text: str) -> str:
    """``text`` on one line, its whitespace runs collapsed: for email and listings."""
    return " ".join(text.split())


def without_bidi_controls(text: str) -> str:
    """``text`` without direction controls: what a name may show."""
    return BIDI_CONTROLS.sub("", text)


def fold(text: str) -> str:
    """``text`` as the plugin compares it: the one normaliser of readers' text.

    Unicode NFKC with case folding (so "Ｈｅｌｌｏ" and "HELLO" equal "hello"),
    without invisible format characters (zero-width spaces and joiners, soft
    hyphens, byte order marks, bidi controls and marks). The duplicate check,
    the word lists and the names' checks all use it, so none can be passed by
    a spelling the others would catch.
    """
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


@functools.lru_cache(maxsize=16)
def normalize_for_comparison(text: str) -> str:
    """The text two comments must share to be the same comment.

    :func:`fold`, with every line break as LF, runs of spaces as one space,
    and no blank lines at either end. Cached: a post needs it for the
    duplicate check, the word lists and the saved fingerprint.
    """
    text = fold(text)
    text = LINE_BREAK.sub("\n", _CRLF_OR_CR.sub("\n", text))
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip("\n")


FINGERPRINT_SEPARATOR = "\0"


@functools.lru_cache(maxsize=8)
def comment_fingerprint(author_name: str, body: str) -> str:
    """A SHA-256 hex digest of the normalized name and text, for the duplicate check.

    Cached: a post computes it for the duplicate check and again when the
    comment is saved (``FingerprintField.pre_save``), each a pass over the text.
    The separator keeps ("An", "nx") and ("Ann", "x") apart: NUL, which no
    name or text may hold.
    """
    normalized = (
        normalize_for_comparison(author_name)
        + FINGERPRINT_SEPARATOR
        + normalize_for_comparison(body)
    )
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
