"""A person's data request: export and erasure, through the command and the
admin's "Personal data" view, with the database checked afterwards.

Who may use the view is in test_permission_matrix.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from dvt_testing import comment_edit_data, home_page_model, make_article
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Site

from wagtail_dvt.importer.service import import_document
from wagtail_dvt.models import Comment, CommentStatus, get_base_page_model
from wagtail_dvt.privacy import erase_personal_data
from wagtail_dvt.privacy.sources import ERASE_ACTION
from wagtail_dvt.tombstones import DeletedComment

EMAIL = "erin@example.org"
INDEX = "wagtail_dvt_personal_data:index"
DOWNLOAD = "wagtail_dvt_personal_data:download"
ERASE = "wagtail_dvt_personal_data:erase"


def when(hour):
    return dt.datetime(2024, 5, 2, hour, 0, tzinfo=dt.UTC)


def comment(page, name, body, hour, **fields):
    fields.setdefault("status", CommentStatus.APPROVED)
    return Comment.objects.create(
        page=page, author_name=name, body=body, posted_at=when(hour), **fields
    )


@pytest.fixture
def other_site_article(db):
    home = home_page_model()(title="Other home", slug="other-home")
    get_base_page_model().get_first_root_node().add_child(instance=home)
    Site.objects.create(hostname="other.example", port=80, root_page=home)
    return make_article(home, title="Elsewhere")


@pytest.fixture
def conversation(root_page, other_site_article):
    """Erin's comments on two Sites, between others', and one deleted."""
    article = make_article(root_page)
    comments = {
        "first": comment(article, "Ann", "First, by Ann.", 9, email="ann@example.org"),
        "erin": comment(
            article,
            "Erin Private",
            "The middle comment by Erin.",
            10,
            email="Erin@Example.org",
            ip_address="192.0.2.7",
            user_agent="ErinBrowser/1.0",
        ),
        "last": comment(article, "Bob", "Last, by Bob.", 11),
        "elsewhere": comment(
            other_site_article,
            "Erin P.",
            "On the other site.",
            12,
            email=EMAIL,
            status=CommentStatus.PENDING,
        ),
    }
    comment(article, "Erin Private", "Deleted later.", 13, email=EMAIL).delete()
    return article, comments


@pytest.fixture
def moderator(db, django_user_model):
    group = Group.objects.create(name="Comment moderators")
    for app_label, codename in (
        ("wagtailadmin", "access_admin"),
        ("wagtail_dvt", "moderate_comment"),
    ):
        group.permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label=app_label)
        )
    user = django_user_model.objects.create_user("moderator", "mod@example.com")
    user.groups.add(group)
    return user


def run(*args, stdin=None):
    out = io.StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command("comment_personal_data", *args, **options)
    return out.getvalue()


# -- export -------------------------------------------------------------------


def test_export_lists_the_comments_on_every_site_and_the_tombstones(conversation):
    data = json.loads(run("export", EMAIL.upper()))

    assert [
        (row["article"], row["name"], row["text"], row["status"])
        for row in data["comments"]
    ] == [
        ("Clots explained", "Erin Private", "The middle comment by Erin.", "approved"),
        ("Elsewhere", "Erin P.", "On the other site.", "pending"),
    ]
    assert data["comments"][0]["posted_at"] == when(10).isoformat()
    assert data["comments"][0]["ip_address"] == "192.0.2.7"
    assert data["comments"][1]["article_url"].startswith("http://other.example/")
    assert len(data["deleted_comments"]) == 1
    assert "Ann" not in json.dumps(data)


def test_export_as_csv_has_one_row_per_record(conversation):
    rows = list(csv.DictReader(io.StringIO(run("export", EMAIL, "--format", "csv"))))

    assert [(row["record"], row["name"]) for row in rows] == [
        ("comments", "Erin Private"),
        ("comments", "Erin P."),
        ("deleted_comments", ""),
    ]


def test_csv_cells_never_start_a_formula(root_page):
    make_article_comment = comment(
        make_article(root_page), "=HYPERLINK(1)", "+1 evil", 9, email=EMAIL
    )
    rows = list(csv.DictReader(io.StringIO(run("export", EMAIL, "--format", "csv"))))

    assert (rows[0]["name"], rows[0]["text"]) == ("'=HYPERLINK(1)", "'+1 evil")
    assert make_article_comment.author_name == "=HYPERLINK(1)"


def test_a_data_request_finds_that_persons_tombstones_only(conversation):
    _article, comments = conversation
    erin = DeletedComment.objects.get()
    comments["first"].delete()  # Ann's: a second tombstone with an address
    ann = DeletedComment.objects.exclude(pk=erin.pk).get()

    def tombstones_of(email):
        return [
            row["id"] for row in json.loads(run("export", email))["deleted_comments"]
        ]

    assert tombstones_of(EMAIL) == [erin.pk]
    assert tombstones_of("ann@example.org") == [ann.pk]
    run("erase", f"  {EMAIL.upper()} ", "--yes")

    assert DeletedComment.objects.get(pk=ann.pk).email_hash == ann.email_hash != ""
    assert tombstones_of("ann@example.org") == [ann.pk]
    assert DeletedComment.objects.get(pk=erin.pk).email_hash == ""


@override_settings(SECRET_KEY="0.3 test key, pinned")
def test_a_tombstone_stored_by_an_earlier_version_is_still_found(root_page):
    """A data request after an upgrade finds the tombstones hashed before it:
    the hash of an address (key, salt, folding) must not change."""
    DeletedComment.objects.create(
        page=make_article(root_page),
        entry_hash="0" * 64,
        # email_hash("erin@example.org") as 0.3.0 stored it, under that key.
        email_hash="8418af917aa310cf7a6ae4c139a2dc6133a4c511bfa4ee8304ec3c735fcccd46",
    )

    data = json.loads(run("export", " Erin@Example.ORG "))

    assert len(data["deleted_comments"]) == 1


@pytest.mark.parametrize("args", [("export",), ("export", "not-an-email")])
def test_export_without_a_valid_email_fails_clearly(db, args):
    with pytest.raises(CommandError, match="EMAIL|not an email address"):
        run(*args)


# -- erasure --------------------------------------------------------------------


def test_erase_anonymises_and_keeps_the_conversation(conversation):
    article, comments = conversation
    untouched = list(
        Comment.objects.exclude(email__iexact=EMAIL).values().order_by("pk")
    )
    tombstone = DeletedComment.objects.get()

    output = run("erase", EMAIL, "--yes")

    assert output.startswith(f"Erased {EMAIL}: ")
    assert "2 comments, 1 deleted_comments" in output
    erased = Comment.objects.filter(
        pk__in=[comments["erin"].pk, comments["elsewhere"].pk]
    )
    for row in erased.values():
        assert row["author_name"] == "Anonymous"
        assert (row["email"], row["ip_address"], row["user_agent"]) == ("", None, "")
    erin = Comment.objects.get(pk=comments["erin"].pk)
    assert (erin.page_id, erin.posted_at, erin.status, erin.body) == (
        article.pk,
        when(10),
        CommentStatus.APPROVED,
        "The middle comment by Erin.",
    )
    assert erin.entry_fingerprint == comments["erin"].entry_fingerprint
    assert list(Comment.objects.exclude(pk__in=erased).values().order_by("pk")) == (
        untouched
    )
    tombstone.refresh_from_db()
    assert tombstone.email_hash == ""
    assert tombstone.entry_hash == DeletedComment.objects.get().entry_hash != ""
    assert json.loads(run("export", EMAIL)) | {"exported_at": None} == {
        "email": EMAIL,
        "exported_at": None,
        "reply_notifications": [],
        "comments": [],
        "deleted_comments": [],
        "reports": [],
        "email_suppressions": [],
        "data_requests": [],
    }


def test_erase_can_replace_the_text(conversation, settings):
    settings.WAGTAIL_DVT = {"ERASURE_REPLACES_TEXT": True}
    _article, comments = conversation
    run("erase", EMAIL, "--yes")

    erin = Comment.objects.get(pk=comments["erin"].pk)
    assert erin.body == "This comment was removed"
    assert Comment.objects.get(pk=comments["last"].pk).body == "Last, by Bob."


def test_erase_asks_first(conversation):
    output = run("erase", EMAIL, stdin="n\n")
    assert "cancelled" in output
    assert Comment.objects.filter(author_name="Erin Private").exists()

    run("erase", EMAIL, stdin="y\n")
    assert not Comment.objects.filter(author_name="Erin Private").exists()


def test_erasure_is_logged_without_the_data_and_cleans_older_entries(
    conversation, moderator
):
    _article, comments = conversation
    erin = comments["erin"]
    log(instance=erin, action="wagtail.edit", user=moderator)
    log(instance=erin, action="wagtail.edit", data={"note": f"from {EMAIL}"})

    run("erase", EMAIL, "--yes")

    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment), object_id=str(erin.pk)
    )
    assert sorted(entries.values_list("action", flat=True)) == [
        "wagtail.edit",
        "wagtail.edit",
        ERASE_ACTION,
    ]
    stored = json.dumps(list(entries.values("label", "data")), default=str).lower()
    for secret in ("erin private", EMAIL, "192.0.2.7", "erinbrowser"):
        assert secret not in stored
    assert entries.filter(label__startswith="Anonymous on").count() == 3


def test_reimport_never_brings_an_erased_comment_back(
    root_page, bundled_text, tmp_path
):
    document = tmp_path / "article.txt"
    document.write_text(bundled_text, encoding="utf-8")
    result = import_document(document)
    imported = Comment.objects.filter(page_id=result.page_id).order_by("pk").first()
    name, count = imported.author_name, Comment.objects.count()
    Comment.objects.filter(pk=imported.pk).update(email=EMAIL)

    run("erase", EMAIL, "--yes")
    import_document(document, overwrite=True)

    assert Comment.objects.count() == count
    assert not Comment.objects.filter(author_name=name, posted_at=imported.posted_at)


# -- the admin view -----------------------------------------------------------------


def test_moderators_find_download_and_erase(client, conversation, moderator):
    _article, comments = conversation
    client.force_login(moderator)

    found = client.post(reverse(INDEX), {"email": EMAIL})
    assert found.status_code == 200
    html = found.content.decode()
    assert "The middle comment by Erin." in html and "On the other site." in html
    assert "First, by Ann." not in html

    as_json = client.post(reverse(DOWNLOAD), {"email": EMAIL, "format": "json"})
    assert as_json["Content-Type"] == "application/json"
    assert "attachment" in as_json["Content-Disposition"]
    assert json.loads(as_json.content) | {"exported_at": None} == json.loads(
        run("export", EMAIL)
    ) | {"exported_at": None}
    as_csv = client.post(reverse(DOWNLOAD), {"email": EMAIL, "format": "csv"})
    assert as_csv["Content-Type"] == "text/csv"
    assert as_csv.content.decode().startswith("record,")

    confirm = client.post(reverse(ERASE), {"email": EMAIL})
    assert confirm.status_code == 200
    assert Comment.objects.filter(author_name="Erin Private").exists()

    erased = client.post(reverse(ERASE), {"email": EMAIL, "confirm": "1"})
    assert erased.status_code == 302
    assert Comment.objects.get(pk=comments["erin"].pk).author_name == "Anonymous"
    entry = ModelLogEntry.objects.get(
        action=ERASE_ACTION, object_id=comments["erin"].pk
    )
    assert entry.user_id == moderator.pk
    # The message names the address erased and counts its records.
    index = client.get(reverse(INDEX)).content.decode()
    assert f"3 records of {EMAIL} erased." in index


def test_an_erasure_outside_the_admin_logs_who_asked(conversation, moderator):
    """The admin's views log their user through Wagtail's log context anyway;
    a caller outside them (a task, a site's own view) has only ``user``."""
    _article, comments = conversation

    erase_personal_data(EMAIL, user=moderator)

    entry = ModelLogEntry.objects.get(
        action=ERASE_ACTION, object_id=comments["erin"].pk
    )
    assert entry.user_id == moderator.pk


def test_an_erasure_makes_an_open_edit_form_stale(client, conversation, moderator):
    _article, comments = conversation
    erin = Comment.objects.get(pk=comments["erin"].pk)
    opened = comment_edit_data(erin, body="Moderator's rewrite")
    client.force_login(moderator)

    client.post(reverse(ERASE), {"email": EMAIL, "confirm": "1"})
    response = client.post(reverse("wagtail_dvt_comments:edit", args=[erin.pk]), opened)

    assert response.status_code == 200
    assert "changed since you opened it" in response.content.decode()
    erin.refresh_from_db()
    assert (erin.author_name, erin.body) == ("Anonymous", "The middle comment by Erin.")


# -- a thread with an erased middle comment still reads the same --------------------


def names_in(rows):
    return [row["author_name"] for row in rows]


def test_an_erased_middle_comment_still_renders_on_the_page_and_in_the_api(
    client, conversation, moderator
):
    article, _comments = conversation
    client.force_login(moderator)
    client.post(reverse(ERASE), {"email": EMAIL, "confirm": "1"})
    client.logout()

    html = client.get(article.url).content.decode()
    positions = [
        html.index(text)
        for text in ("First, by Ann.", "The middle comment by Erin.", "Last, by Bob.")
    ]
    assert positions == sorted(positions)
    assert "Erin Private" not in html
    assert html.count('class="dvt-comment-author">Anonymous<') == 1

    expected = ["Ann", "Anonymous", "Bob"]
    v2 = client.get(f"/api/v2/comments/?article={article.pk}").json()
    assert names_in(v2["items"]) == expected
    detail = client.get(f"/api/v2/pages/{article.pk}/").json()
    assert names_in(detail["comments"]) == expected
    if WAGTAIL_VERSION >= (8, 0):
        v3 = client.get(f"/api/v3/comments/?article={article.pk}").json()
        assert names_in(v3["items"]) == expected
