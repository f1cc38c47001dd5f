"""The upload reader's caps and zip guards: pure, no database."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from wagtail_dvt.importer.uploads import UploadLimits, UploadRefused, read_uploads

LIMITS = UploadLimits(max_bytes=1000, max_total_bytes=3000, max_files=5)


def archive(*members, compression=zipfile.ZIP_DEFLATED):
    """A zip of ``(ZipInfo or name, bytes)`` members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zipped:
        for info, data in members:
            zipped.writestr(info, data)
    buffer.seek(0)
    return buffer


def refusal(*files, limits=LIMITS):
    with pytest.raises(UploadRefused) as caught:
        read_uploads(files, limits)
    return str(caught.value)


def test_documents_and_archive_members_in_order():
    documents = read_uploads(
        [
            ("one.txt", io.BytesIO(b"1")),
            ("batch.zip", archive(("a/two.txt", b"2"), ("three.txt", b"3"))),
        ],
        LIMITS,
    )
    assert documents == [
        ("one.txt", b"1"),
        ("batch.zip/a/two.txt", b"2"),
        ("batch.zip/three.txt", b"3"),
    ]


def test_archivers_own_entries_are_skipped():
    documents = read_uploads(
        [("b.zip", archive(("__MACOSX/._a.txt", b"x"), ("a.txt", b"a")))], LIMITS
    )
    assert documents == [("b.zip/a.txt", b"a")]


def test_symbolic_link_entry_is_refused():
    link = zipfile.ZipInfo("link.txt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    assert refusal(("b.zip", archive((link, b"/etc/passwd")))) == (
        "b.zip/link.txt: a link; only regular files are imported"
    )


@pytest.mark.parametrize(
    "name", ["/abs.txt", "../up.txt", "a/../../up.txt", "C:/x.txt"]
)
def test_paths_outside_the_archive_are_refused(name):
    message = refusal(("b.zip", archive((name, b"x"))))
    assert message == f"b.zip/{name}: a path outside the archive"


def test_archive_inside_an_archive_is_refused_by_content_too():
    inner = archive(("a.txt", b"a")).getvalue()
    message = refusal(("b.zip", archive(("inner.txt", inner))))
    assert message == "b.zip/inner.txt: an archive inside the archive"


def test_compression_ratio_above_100_is_refused():
    limits = UploadLimits(max_bytes=10**6, max_total_bytes=10**7, max_files=5)
    message = refusal(("b.zip", archive(("z.txt", b"0" * 200_000))), limits=limits)
    assert message.startswith("b.zip/z.txt: compressed more than 100:1")


def test_uncompressed_total_is_checked_before_reading():
    members = [(f"{n}.txt", b"x" * 900) for n in range(4)]
    message = refusal(("b.zip", archive(*members, compression=zipfile.ZIP_STORED)))
    assert message == (
        "b.zip: expands to 3600 bytes, more than the upload's limit of 3000 bytes"
    )


def test_per_document_and_file_count_caps():
    assert refusal(("big.txt", io.BytesIO(b"x" * 1001))) == (
        "big.txt: larger than 1000 bytes, the limit per document"
    )
    files = [(f"{n}.txt", io.BytesIO(b"x")) for n in range(6)]
    assert refusal(*files) == "5.txt: more than 5 documents in one upload"


def test_other_files_and_broken_archives_are_refused():
    assert refusal(("photo.png", io.BytesIO(b"x"))) == (
        "photo.png: not a .txt document or a .zip of them"
    )
    assert refusal(("b.zip", io.BytesIO(b"not a zip"))).startswith(
        "b.zip: not a readable .zip archive"
    )
