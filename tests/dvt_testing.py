"""Constants and small helpers shared by the test modules.

Kept out of ``conftest.py`` so that test modules can import them by name.
"""

from __future__ import annotations

import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TITLE = "The Role of Interventional Radiology in Deep Vein Thrombosis Treatment"
BUNDLED_SLUG = "the-role-of-interventional-radiology-in-deep-vein-thrombosis-treatment"
#: Where the ``clock`` fixture stops time: any fixed moment works.
FROZEN_AT = datetime.datetime(2025, 3, 4, 12, 0, tzinfo=datetime.UTC)


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the document")


def retitled(text: str, title: str) -> str:
    """The document under another title (first line and repeated title line)."""
    assert text.count(BUNDLED_TITLE) == 2
    return text.replace(BUNDLED_TITLE, title)


def make_article(parent, title="Clots explained", **fields):
    """A minimal live article under ``parent``, for comment and API tests."""
    from wagtail_dvt.models import get_article_model

    page = get_article_model()(
        title=title,
        author="Dr. Vein",
        date=datetime.date(2024, 3, 1),
        body=[],
        **fields,
    )
    parent.add_child(instance=page)
    return page


def group_with(name, *permissions):
    """The group ``name`` (made if missing), given ``(app_label, codename)`` pairs."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=name)
    for app_label, codename in permissions:
        group.permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label=app_label)
        )
    return group


def groups_by_kind():
    """The group of each kind of admin user the permission tests sign in as:
    a bare admin, an editor (Wagtail's Editors) and a comment moderator."""
    from django.contrib.auth.models import Group

    return {
        "bare_admin": group_with("Bare admins", ("wagtailadmin", "access_admin")),
        "editor": Group.objects.get(name="Editors"),
        "moderator": group_with(
            "Comment moderators",
            ("wagtailadmin", "access_admin"),
            ("wagtail_dvt", "moderate_comment"),
        ),
    }


def keys_in(data):
    """Every dict key anywhere in a JSON document."""
    if isinstance(data, dict):
        return set(data) | {key for value in data.values() for key in keys_in(value)}
    if isinstance(data, list):
        return {key for value in data for key in keys_in(value)}
    return set()


def home_page_model():
    """The site's home page model: the demo's, or the swapped test site's
    (``tests/swapped/home``, on its custom base page)."""
    from django.apps import apps

    return apps.get_model("home", "HomePage")


def count_queries(client, url, params):
    """Queries of a repeated GET (the first one warms Wagtail's caches, as a
    live site has them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries)


INTRO_SECTION = {"heading": "Intro", "content": "Clots form."}


def editor_form_data(page, sections=(INTRO_SECTION,), **extra):
    """The page editor's form as a browser posts it: the page's fields, no comment.

    StreamField forms are built by JavaScript, so Wagtail's helpers cannot
    scrape them from the edit view's HTML: this builds them from the page and
    ``sections`` (dicts of a section block's values). ``extra`` adds or
    overrides fields, such as ``action-publish``.
    """
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        streamfield,
    )

    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "author": page.author,
            "date": page.date.isoformat(),
            "body": streamfield([("section", section) for section in sections]),
            **({"comments_open": "on"} if page.comments_open else {}),
            "comments": inline_formset([]),
            **extra,
        }
    )


def forged_comment_fields(page, change=None, delete=(), new=()):
    """``reader_comments-*`` fields as the page editor's old InlinePanel posted
    them, for checking that the page form now ignores them.

    ``change`` maps a commenter's name to new values for their comment,
    ``delete`` names commenters whose comments the form asks to delete, and
    ``new`` holds comments the form asks to create. Returns flat POST data.
    """
    from django.utils import timezone
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    from wagtail_dvt.models import Comment

    change = change or {}
    forms = []
    for comment in Comment.objects.filter(page_id=page.pk).order_by("posted_at", "pk"):
        form = {
            "id": str(comment.pk),
            "author_name": comment.author_name,
            "posted_at": timezone.localtime(comment.posted_at).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "body": comment.body,
            "status": comment.status,
            **change.get(comment.author_name, {}),
        }
        if comment.author_name in delete:
            form["DELETE"] = "1"
        forms.append(form)
    return nested_form_data(
        {"reader_comments": inline_formset([*forms, *new], initial=len(forms))}
    )


#: The columns of :func:`comment_rows`, in order.
COMMENT_ROW_FIELDS = (
    "pk",
    "page_id",
    "author_name",
    "body",
    "posted_at",
    "status",
    "email",
    "ip_address",
)


def comment_rows(**filters):
    """Every comment's stored fields, to compare the database before and after."""
    from wagtail_dvt.models import Comment

    return list(
        Comment.objects.filter(**filters)
        .order_by("pk")
        .values_list(*COMMENT_ROW_FIELDS)
    )


def age_posts(**delta):
    """Move every comment and every client's last post back by ``delta``.

    As if that time had passed: the flood limit reads the clients' records,
    not the comments.
    """
    from django.db.models import F

    from wagtail_dvt.comments.limits import PostingClient
    from wagtail_dvt.models import Comment

    delta = datetime.timedelta(**delta)
    Comment.objects.update(posted_at=F("posted_at") - delta)
    PostingClient.objects.update(last_posted_at=F("last_posted_at") - delta)


def comment_edit_data(comment, **fields):
    """A moderator's comment edit form as opened now, with ``fields`` changed."""
    from wagtail_dvt.admin.forms import comment_version

    data = {
        "body": comment.body,
        "status": comment.status,
        "version": comment_version(comment),
    }
    data.update(fields)
    return data


def backend_pid():
    """This thread's PostgreSQL backend process id."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_locked_out_or(event, pid):
    """Wait until PostgreSQL backend ``pid`` waits for a lock, or ``event`` is set.

    Two threads meet this way without a sleep: the first to reach a point
    waits there until the other is either blocked by the lock the rule takes
    (``True``) or has reached the same point, as it does when the rule is
    broken (``False``).
    """
    from django.db import connection

    while not event.wait(0.005):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            )
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return True
    return False


def post_comment_form(client, article, body, token=None):
    """Post the article page's comment form, as a reader's browser does."""
    from wagtail_dvt.comments.forms import make_form_token

    return client.post(
        article.url + "comment/",
        {
            "author_name": "Ann Reader",
            "email": "",
            "body": body,
            "honeypot": "",
            "token": token or make_form_token(article),
        },
    )


def users_of_each_kind(user_model) -> dict:
    """A bare admin, an editor, a comment moderator and a superuser, by kind."""
    groups = groups_by_kind()
    users = {}
    for kind, group in groups.items():
        users[kind] = user_model.objects.create_user(kind, f"{kind}@example.com")
        users[kind].groups.add(group)
    users["superuser"] = user_model.objects.create_superuser(
        "superuser", "superuser@example.com", "x"
    )
    return users
