"""The shipped catalogues: complete, up to date with the source, compiled.

``make messages`` refreshes them (see the Makefile); these tests fail until
every entry is translated, none is fuzzy, the msgids are exactly what
``makemessages`` extracts from the package today, and each ``.mo`` holds what
its ``.po`` says. Parsing is plain Python, so a broken file fails here with its
line, whatever gettext tools are installed; extraction needs GNU gettext.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dvt_testing import REPO_ROOT

PACKAGE = REPO_ROOT / "wagtail_dvt"
LANGUAGES = ["de", "fr"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a ``.po`` file, header included (msgid "")."""
    entries, entry, target = [], None, None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        else:
            match = re.fullmatch(
                r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d)\])?)\s+(".*")', line
            )
            if match:
                keyword, index, text = match.groups()
                target = (keyword.split("[")[0], int(index or 0))
                value = ""
            elif line.startswith('"') and target:
                text = line
                value = _current(entry, target)
            else:
                pytest.fail(f"{path}:{number}: cannot read {raw!r}")
            value += ast.literal_eval(text)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] = value
            else:
                setattr(entry, target[0], value)
    return entries


def _current(entry, target):
    if target[0] == "msgstr":
        return entry.msgstr.get(target[1], "")
    return getattr(entry, target[0]) or ""


def catalogue(language) -> Path:
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"


def messages(path: Path) -> list[Entry]:
    return [e for e in parse_po(path) if e.msgid and not e.obsolete]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    path = catalogue(language)
    entries = messages(path)
    assert len(entries) > 50  # the template, form, notices, email and admin
    problems = []
    for entry in entries:
        where = f"{path.relative_to(REPO_ROOT)}:{entry.line} {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        forms = 2 if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(forms)):
            problems.append(f"{where} has msgstr forms {sorted(entry.msgstr)}")
        if not all(entry.msgstr.values()):
            problems.append(f"{where} is untranslated")
        expected = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            # A singular may leave out the count ("ce commentaire").
            if found - expected or (index and found != expected):
                problems.append(f"{where} msgstr[{index}] has placeholders {found}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_names_the_language_and_its_plural_rule(language):
    [header] = [e for e in parse_po(catalogue(language)) if e.msgid == ""]
    assert "fuzzy" not in header.flags
    fields = dict(
        line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line
    )
    assert fields["Language"] == language
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].startswith("nplurals=2;")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mo_file_holds_what_the_po_file_says(language):
    """``compilemessages`` was run after the last edit of the ``.po``."""
    path = catalogue(language)
    expected = {}
    for entry in messages(path):
        msgid = entry.msgid
        if entry.msgctxt is not None:
            msgid = f"{entry.msgctxt}\x04{msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(msgid, index)] = text
    with path.with_suffix(".mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    catalog = {key: value for key, value in compiled._catalog.items() if key != ""}
    assert catalog == expected


def test_the_catalogues_hold_every_string_of_the_source(tmp_path):
    """The msgids are exactly those ``makemessages`` extracts today.

    Run as ``make messages`` does, on a copy of the package: a string added to
    a template or to Python code without refreshing the catalogues, or one left
    in them after its source went away, fails here.
    """
    assert shutil.which("xgettext") and shutil.which("msgmerge"), (
        "GNU gettext is missing: install it (make gettext, or apt-get install gettext)"
    )
    copy = tmp_path / "wagtail_dvt"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    args = [arg for language in LANGUAGES for arg in ("-l", language)]
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-P", "-m", "django", "makemessages", *args]
        + ["--add-location=file", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    for language in LANGUAGES:
        shipped = {e.key for e in messages(catalogue(language))}
        fresh_path = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        fresh = messages(fresh_path)
        fresh_keys = {e.key for e in fresh}
        assert sorted(fresh_keys - shipped, key=str) == [], "run make messages"
        assert sorted(shipped - fresh_keys, key=str) == [], "run make messages"
        # msgmerge marks fuzzy what it guessed from a changed msgid.
        assert [e.msgid for e in fresh if "fuzzy" in e.flags] == []
