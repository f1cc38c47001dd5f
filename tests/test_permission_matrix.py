"""Who may see and change reader comments, through every URL the plugin adds.

One row per request (admin views, bulk actions, the page editor's POST, the
API), one column per kind of user. Each cell is checked as Django's own
permission tests do: the request a user (or an attacker) sends, its status,
what the response reveals, and the database afterwards.

Users:

- ``anonymous``: not logged in;
- ``bare_admin``: only "Can access Wagtail admin";
- ``editor``: Wagtail's "Editors" group (add and edit pages, no publishing,
  no moderation);
- ``moderator``: "Can moderate reader comments" and admin access, no pages;
- ``superuser``.

Hidden comments (pending, spam, rejected), every commenter's email and IP
address, and the count of pending comments are for moderators only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from dvt_testing import (
    COMMENT_ROW_FIELDS,
    REPO_ROOT,
    comment_edit_data,
    comment_rows,
    editor_form_data,
    forged_comment_fields,
    groups_by_kind,
)
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.log_actions import log
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from wagtail_dvt.importer.job_runner import create_job
from wagtail_dvt.models import Comment, CommentStatus, get_article_model
from wagtail_dvt.privacy.data_requests import PersonalDataRequest
from wagtail_dvt.privacy.links import confirmation_token, export_token

ArticlePage = get_article_model()

ANONYMOUS, BARE_ADMIN, EDITOR, MODERATOR, SUPERUSER = USERS = (
    "anonymous",
    "bare_admin",
    "editor",
    "moderator",
    "superuser",
)
NON_MODERATORS = (BARE_ADMIN, EDITOR)
MODERATORS = (MODERATOR, SUPERUSER)

#: What the fixture's hidden comments and private fields contain. None of it
#: may reach a user who may not moderate.
HIDDEN_TEXT = {
    "pending": ("Pendella", "HIDDEN-PENDING body"),
    "spam": ("Spamton", "HIDDEN-SPAM body"),
    "rejected": ("Rejecta", "HIDDEN-REJECTED body"),
}
PRIVATE_TEXT = (
    "pendella@example.org",
    "approved-reader@example.org",
    "192.0.2.10",
    "192.0.2.20",
    # A reader's report: its reason and count (the edit view's panel).
    "Off topic: 1 report",
)
SECRETS = (*[text for pair in HIDDEN_TEXT.values() for text in pair], *PRIVATE_TEXT)
APPROVED_BODY = "Visible approved body"
POSTER_IP = "198.51.100.1"


# -- what a cell expects ----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one user's request must answer, show and change."""

    statuses: frozenset[int]
    #: The response shows hidden comments or private fields (moderators).
    sees_hidden: bool = False
    #: The redirect goes to the login page.
    to_login: bool = False
    #: Key of EFFECTS: how the comments table must change. None: not at all.
    effect: str | None = None
    #: Text the response must, or must not, contain.
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()
    #: How many article pages the request creates; None: not checked.
    pages_added: int | None = None
    #: How many reports of comments the request stores.
    reports_added: int = 0


def ok(*statuses, **kwargs):
    return Outcome(frozenset(statuses or {200}), **kwargs)


LOGIN = Outcome(frozenset({302}), to_login=True)
# Wagtail's admin answers a refused permission with a redirect to the
# dashboard and a message, or a 403 for AJAX and bare views.
DENIED = Outcome(frozenset({302, 403}))
SEES_ALL = ok(200, sees_hidden=True)
SEES_APPROVED_ONLY = ok(200)


def admin_row(anonymous, non_moderators, moderators):
    """A row where bare admins and editors are treated alike, as are
    moderators and superusers."""
    return {
        ANONYMOUS: anonymous,
        **dict.fromkeys(NON_MODERATORS, non_moderators),
        **dict.fromkeys(MODERATORS, moderators),
    }


def moderators_only(moderators):
    return admin_row(LOGIN, DENIED, moderators)


def same_for_all(outcome):
    return dict.fromkeys(USERS, outcome)


# -- the world ------------------------------------------------------------------


@dataclass
class World:
    article: ArticlePage
    home: object
    comments: dict[str, Comment]
    users: dict[str, object] = field(default_factory=dict)
    #: The editor's upload in "Import articles", previewed, not confirmed.
    import_job: object = None


def make_comment(page, key, status, **fields):
    name, body = HIDDEN_TEXT.get(key, ("Approved Reader", APPROVED_BODY))
    return Comment.objects.create(
        page=page,
        author_name=name,
        body=body,
        status=status,
        posted_at=dt.datetime(2024, 5, 2, 12, 0, tzinfo=dt.UTC),
        **fields,
    )


@pytest.fixture
def world(root_page, django_user_model, settings):
    # The API token is tested in test_api_tokens.py; here, who may post.
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "API_COMMENTS": "open"}
    article = ArticlePage(
        title="Clots explained",
        author="Dr. Vein",
        date=dt.date(2024, 3, 1),
        body=[("section", {"heading": "Intro", "content": "Clots form."})],
    )
    root_page.add_child(instance=article)
    article.save_revision().publish()
    comments = {
        "approved": make_comment(
            article,
            "approved",
            CommentStatus.APPROVED,
            email="approved-reader@example.org",
            ip_address="192.0.2.20",
        ),
        "pending": make_comment(
            article,
            "pending",
            CommentStatus.PENDING,
            email="pendella@example.org",
            ip_address="192.0.2.10",
        ),
        "spam": make_comment(article, "spam", CommentStatus.SPAM),
        "rejected": make_comment(article, "rejected", CommentStatus.REJECTED),
    }
    users = groups_by_kind()
    world = World(
        article=ArticlePage.objects.get(pk=article.pk),
        home=root_page,
        comments=comments,
    )
    for name, group in users.items():
        user = django_user_model.objects.create_user(name, f"{name}@example.com")
        user.groups.add(group)
        world.users[name] = user
    world.users[SUPERUSER] = django_user_model.objects.create_superuser(
        SUPERUSER, "superuser@example.com"
    )
    world.import_job = create_job(
        world.users[EDITOR],
        root_page,
        [("sections.txt", IMPORTED_DOCUMENT.read_bytes())],
        locale="",
        publish=False,
        overwrite=False,
        comment_status=CommentStatus.PENDING,
    )
    # A moderator's edit of the pending comment, for the history views.
    log(
        instance=comments["pending"],
        action="wagtail.edit",
        user=world.users[SUPERUSER],
    )
    return world


# -- requests -------------------------------------------------------------------


def ids(world, *keys):
    return "&".join(f"id={world.comments[key].pk}" for key in keys)


def bulk(action, query):
    def url(world):
        base = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", action))
        return f"{base}?next=/admin/&{query(world)}"

    return url


def comment_url(name, key="pending"):
    return lambda world: reverse(name, args=[world.comments[key].pk])


def page_edit_post(world):
    """A save of the page that asks to approve, rewrite, delete and add comments."""
    data = editor_form_data(world.article, **{"action-publish": "publish"})
    data.update(
        forged_comment_fields(
            world.article,
            change={
                "Pendella": {"status": CommentStatus.APPROVED},
                "Spamton": {"status": CommentStatus.APPROVED, "body": "Now approved"},
            },
            delete={"Approved Reader"},
            new=[PLANTED_COMMENT],
        )
    )
    return data


PLANTED_COMMENT = {
    "author_name": "Planted",
    "body": "Planted through the page form",
    "status": CommentStatus.APPROVED,
    "posted_at": "2024-03-02 10:00",
}


def page_create_post(world):
    page = ArticlePage(
        title="A new article", slug="a-new-article", author="A", date=dt.date.today()
    )
    return {
        **editor_form_data(page),
        **nested_form_data(
            {"reader_comments": inline_formset([PLANTED_COMMENT], initial=0)}
        ),
    }


def api_comment(world, **extra):
    return json.dumps(
        {
            "article": world.article.pk,
            "author_name": "Api Poster",
            "body": "Posted through the API.",
            **extra,
        }
    )


@dataclass(frozen=True)
class Request:
    """One request of the matrix: method, URL and body, built from the world."""

    method: str
    url: object  # callable(world) -> str
    data: object = None  # callable(world) -> dict | str
    content_type: str | None = None


def GET(url):
    return Request("get", url)


def POST(url, data=lambda world: {}):
    return Request("post", url, data)


def POST_JSON(url, data):
    return Request("post", url, data, content_type="application/json")


def const(value):
    return lambda world: value


LIST = const(reverse("wagtail_dvt_comments:list"))
V2_COMMENTS = const("/api/v2/comments/")
V3_COMMENTS = "/api/v3/comments/"


def edit_comment_data(world):
    return comment_edit_data(
        world.comments["pending"],
        body="Rewritten by a moderator",
        status=CommentStatus.APPROVED,
    )


def added_comment_data(world):
    return {
        "page": world.article.pk,
        "author_name": "Added in the admin",
        "body": "Added",
        "status": CommentStatus.APPROVED,
    }


IMPORT_INDEX = const(reverse("wagtail_dvt_import:index"))
#: A document without comments: an allowed import adds a page and no comment.
IMPORTED_DOCUMENT = REPO_ROOT / "tests" / "fixtures" / "sections.txt"


def import_upload_data(world):
    document = io.BytesIO(IMPORTED_DOCUMENT.read_bytes())
    document.name = "sections.txt"
    return {
        "parent": world.home.pk,
        "documents": [document],
        "comment_status": CommentStatus.APPROVED,
    }


def import_job_url(name):
    return lambda world: reverse(name, args=[world.import_job.pk])


def importers_only(editor, superuser):
    """Users who may add pages: the editor and the superuser."""
    return {
        ANONYMOUS: LOGIN,
        BARE_ADMIN: DENIED,
        EDITOR: editor,
        MODERATOR: DENIED,
        SUPERUSER: superuser,
    }


# How the comments table changes when a write is allowed.
EFFECTS = {
    "pending_edited": {
        "pending": {"body": "Rewritten by a moderator", "status": "approved"}
    },
    "pending_deleted": {"pending": None},
    "hidden_approved": {
        "pending": {"status": "approved"},
        "spam": {"status": "approved"},
    },
    "hidden_rejected": {
        "pending": {"status": "rejected"},
        "spam": {"status": "rejected"},
    },
    "hidden_spam": {"pending": {"status": "spam"}, "spam": {"status": "spam"}},
    "hidden_deleted": {"pending": None, "spam": None},
    "pending_approved": {"pending": {"status": "approved"}},
    "pending_erased": {
        "pending": {"author_name": "Anonymous", "email": "", "ip_address": None}
    },
}


def unsubscribe_link(name="unsubscribe", email="pendella@example.org"):
    """The unsubscribe URL of a reader's reply notifications (a moderator-only
    address: the page must not show it)."""
    from wagtail_dvt.comments.subscriptions import unsubscribe_token

    return lambda world: reverse(
        f"wagtail_dvt_mail:{name}", args=[unsubscribe_token(email)]
    )


PERSONAL_DATA = const(reverse("wagtail_dvt_personal_data:index"))


def page_report(key):
    """The article page's "Report" form, for the comment ``key``."""
    return lambda world: f"{world.article.url}comments/{world.comments[key].pk}/report/"


def api_report(base, key):
    return lambda world: f"{base}{world.comments[key].pk}/report/"


REPORT_REASON = {"reason": "spam"}


def personal_data_post(name, **extra):
    return POST(
        const(reverse(f"wagtail_dvt_personal_data:{name}")),
        lambda world: {"email": "pendella@example.org", **extra},
    )


def data_request(status, kind="erase"):
    return PersonalDataRequest.objects.create(
        email="pendella@example.org", kind=kind, status=status
    )


def data_request_url(name, status, kind="erase"):
    """A new request of pendella's, and the URL ``name`` of it."""

    def url(world):
        pk = data_request(status, kind).pk
        return reverse(f"wagtail_dvt_personal_data:{name}", args=[pk])

    return url


def confirmation_link(world):
    token = confirmation_token(data_request("pending"))
    return reverse("wagtail_dvt_privacy:confirm", args=[token])


def export_link(world):
    token = export_token(data_request("completed", "export"))
    return reverse("wagtail_dvt_privacy:export", args=[token])


MATRIX = [
    # -- the Comments snippet views --------------------------------------------
    ("listing", GET(LIST), moderators_only(SEES_ALL)),
    (
        "deleted comments (tombstones) listing",
        GET(const(reverse("wagtail_dvt_tombstones:index"))),
        moderators_only(ok(200)),
    ),
    (
        "purge tombstones",
        POST(
            const(reverse("wagtail_dvt_tombstones:purge")),
            lambda world: {"expired": "1"},
        ),
        moderators_only(ok(302)),
    ),
    # -- Personal data: a person's request, moderators only ---------------------
    ("personal data form", GET(PERSONAL_DATA), moderators_only(ok(200))),
    (
        "personal data lookup by email",
        personal_data_post("index"),
        moderators_only(SEES_ALL),
    ),
    (
        "personal data download",
        personal_data_post("download", format="csv"),
        moderators_only(SEES_ALL),
    ),
    (
        "personal data erase confirmation",
        personal_data_post("erase"),
        moderators_only(SEES_ALL),
    ),
    (
        "personal data erase",
        personal_data_post("erase", confirm="1"),
        moderators_only(ok(302, effect="pending_erased")),
    ),
    # -- Personal data requests: moderators record and answer them --------------
    (
        "data request add",
        POST(
            const(reverse("wagtail_dvt_personal_data:request_add")),
            lambda world: {"email": "pendella@example.org", "kind": "erase"},
        ),
        moderators_only(ok(302)),
    ),
    (
        "data request: send the link again",
        POST(data_request_url("request_resend", "pending")),
        moderators_only(ok(302)),
    ),
    (
        "data request: download a confirmed export",
        POST(
            data_request_url("request_download", "confirmed", "export"),
            lambda world: {"format": "csv"},
        ),
        moderators_only(SEES_ALL),
    ),
    (
        "data request: download a pending export (refused)",
        POST(data_request_url("request_download", "pending", "export")),
        moderators_only(ok(302)),
    ),
    (
        "data request: email a confirmed export",
        POST(data_request_url("request_email_export", "confirmed", "export")),
        moderators_only(ok(302)),
    ),
    (
        "data request: erase a confirmed request",
        POST(
            data_request_url("request_erase", "confirmed"),
            lambda world: {"confirm": "1"},
        ),
        moderators_only(ok(302, effect="pending_erased")),
    ),
    (
        "data request: erase a pending request (refused)",
        POST(
            data_request_url("request_erase", "pending"),
            lambda world: {"confirm": "1"},
        ),
        moderators_only(ok(302)),
    ),
    # The person's confirmation link: public, shows no data.
    ("data request confirmation link", GET(confirmation_link), same_for_all(ok(200))),
    (
        "data request confirmation",
        POST(confirmation_link),
        same_for_all(ok(200)),
    ),
    # The emailed export link: the data of that one person, for whoever holds it.
    ("data request export link", GET(export_link), same_for_all(SEES_ALL)),
    (
        "data request confirmation, tampered link",
        POST(const(reverse("wagtail_dvt_privacy:confirm", args=["1:forged:sig"]))),
        same_for_all(ok(400)),
    ),
    (
        "listing of reported comments",
        GET(lambda world: f"{LIST(world)}?reported=true"),
        moderators_only(SEES_ALL),
    ),
    (
        "edit form of a reported comment, with its reasons",
        GET(comment_url("wagtail_dvt_comments:edit", key="approved")),
        moderators_only(ok(200, sees_hidden=True, shows=("Off topic: 1 report",))),
    ),
    # -- readers' reports: anyone may report a visible comment, nobody a hidden
    # one (answered alike); nobody's report changes a comment below the
    # threshold. Only moderators see reports (the listing, the edit view).
    (
        "page: report a visible comment",
        POST(page_report("approved"), const(REPORT_REASON)),
        same_for_all(ok(303, reports_added=1)),
    ),
    (
        "page: report a hidden comment",
        POST(page_report("pending"), const(REPORT_REASON)),
        same_for_all(ok(303)),
    ),
    (
        "API v2 report a visible comment",
        POST_JSON(api_report("/api/v2/comments/", "approved"), const("{}")),
        same_for_all(ok(202, reports_added=1)),
    ),
    (
        "API v2 report a hidden comment",
        POST_JSON(api_report("/api/v2/comments/", "spam"), const("{}")),
        same_for_all(ok(202)),
    ),
    (
        "listing searched by email",
        GET(lambda world: f"{LIST(world)}?q=pendella%40example"),
        moderators_only(SEES_ALL),
    ),
    (
        "edit form",
        GET(comment_url("wagtail_dvt_comments:edit")),
        moderators_only(SEES_ALL),
    ),
    (
        "edit: approve and rewrite",
        POST(comment_url("wagtail_dvt_comments:edit"), edit_comment_data),
        moderators_only(ok(302, effect="pending_edited")),
    ),
    (
        "delete confirmation",
        GET(comment_url("wagtail_dvt_comments:delete")),
        moderators_only(SEES_ALL),
    ),
    (
        "delete",
        POST(comment_url("wagtail_dvt_comments:delete")),
        moderators_only(ok(302, effect="pending_deleted")),
    ),
    (
        "inspect",
        GET(comment_url("wagtail_dvt_comments:inspect")),
        moderators_only(SEES_ALL),
    ),
    (
        "history",
        GET(comment_url("wagtail_dvt_comments:history")),
        moderators_only(SEES_ALL),
    ),
    (
        "usage",
        GET(comment_url("wagtail_dvt_comments:usage")),
        moderators_only(SEES_ALL),
    ),
    # Comments come from readers: nobody adds one in the admin.
    (
        "add form",
        GET(const(reverse("wagtail_dvt_comments:add"))),
        admin_row(LOGIN, DENIED, DENIED),
    ),
    (
        "add",
        POST(const(reverse("wagtail_dvt_comments:add")), added_comment_data),
        admin_row(LOGIN, DENIED, DENIED),
    ),
    # -- the chooser -----------------------------------------------------------------
    (
        "chooser",
        GET(const(reverse("wagtailsnippetchoosers_wagtail_dvt_comment:choose"))),
        moderators_only(SEES_ALL),
    ),
    (
        "chooser search by email",
        GET(
            const(
                reverse("wagtailsnippetchoosers_wagtail_dvt_comment:choose_results")
                + "?q=pendella"
            )
        ),
        moderators_only(SEES_ALL),
    ),
    (
        "chooser: chosen",
        GET(comment_url("wagtailsnippetchoosers_wagtail_dvt_comment:chosen")),
        moderators_only(SEES_ALL),
    ),
    # -- bulk actions: the confirmation pages and their POSTs ---------------------
    *[
        (
            f"bulk {action} confirmation, all matching an email",
            GET(bulk(action, const("id=all&q=pendella%40example"))),
            moderators_only(SEES_ALL),
        )
        for action in ("approve", "reject", "spam", "delete")
    ],
    *[
        (
            f"bulk {action}",
            POST(bulk(action, lambda world: ids(world, "pending", "spam"))),
            moderators_only(ok(302, effect=effect)),
        )
        for action, effect in (
            ("approve", "hidden_approved"),
            ("reject", "hidden_rejected"),
            ("spam", "hidden_spam"),
            ("delete", "hidden_deleted"),
        )
    ],
    (
        "bulk approve, all matching an email",
        POST(bulk("approve", const("id=all&q=pendella%40example"))),
        moderators_only(ok(302, effect="pending_approved")),
    ),
    # -- the rest of the admin ------------------------------------------------------
    (
        "dashboard",
        GET(const(reverse("wagtailadmin_home"))),
        admin_row(
            LOGIN,
            ok(200, hides=("await moderation",)),
            ok(200, shows=("1 comment awaits moderation",)),
        ),
    ),
    (
        "admin search",
        GET(const(reverse("wagtailadmin_pages:search") + "?q=HIDDEN")),
        # Wagtail's page search is for users with page permissions.
        {
            ANONYMOUS: LOGIN,
            BARE_ADMIN: DENIED,
            EDITOR: ok(200),
            MODERATOR: DENIED,
            SUPERUSER: ok(200),
        },
    ),
    (
        "article listing with comment counts",
        GET(
            const(
                reverse(
                    "wagtailadmin_pages:type_use",
                    args=[ArticlePage._meta.app_label, ArticlePage._meta.model_name],
                )
            )
        ),
        {
            ANONYMOUS: LOGIN,
            BARE_ADMIN: DENIED,
            EDITOR: ok(200, shows=("Clots explained",), hides=("pending",)),
            MODERATOR: DENIED,
            SUPERUSER: ok(200, shows=("1 (1 pending)",)),
        },
    ),
    (
        "site history",
        GET(const(reverse("wagtailadmin_reports:site_history"))),
        {
            ANONYMOUS: LOGIN,
            BARE_ADMIN: ok(200),
            EDITOR: ok(200),
            MODERATOR: SEES_ALL,
            SUPERUSER: SEES_ALL,
        },
    ),
    # -- the page editor -------------------------------------------------------------
    (
        "page editor",
        GET(lambda world: reverse("wagtailadmin_pages:edit", args=[world.article.pk])),
        {
            ANONYMOUS: LOGIN,
            BARE_ADMIN: DENIED,
            EDITOR: ok(200, shows=(APPROVED_BODY,)),
            MODERATOR: DENIED,
            SUPERUSER: ok(200, sees_hidden=True, hides=PRIVATE_TEXT),
        },
    ),
    (
        "page editor POST with reader_comments-*",
        POST(
            lambda world: reverse("wagtailadmin_pages:edit", args=[world.article.pk]),
            page_edit_post,
        ),
        {
            ANONYMOUS: LOGIN,
            BARE_ADMIN: DENIED,
            EDITOR: ok(302),
            MODERATOR: DENIED,
            SUPERUSER: ok(302),
        },
    ),
    (
        "page create POST with reader_comments-*",
        POST(
            lambda world: reverse(
                "wagtailadmin_pages:add",
                args=[
                    ArticlePage._meta.app_label,
                    ArticlePage._meta.model_name,
                    world.home.pk,
                ],
            ),
            page_create_post,
        ),
        {
            ANONYMOUS: LOGIN,
            BARE_ADMIN: DENIED,
            EDITOR: ok(302),
            MODERATOR: DENIED,
            SUPERUSER: ok(302),
        },
    ),
    # -- the API: the same answers whoever asks -----------------------------------
    ("API v2 comments", GET(V2_COMMENTS), same_for_all(SEES_APPROVED_ONLY)),
    (
        "API v2 comments of the article",
        GET(lambda world: f"/api/v2/comments/?article={world.article.pk}"),
        same_for_all(ok(200, shows=(APPROVED_BODY,))),
    ),
    (
        "API v2 hidden comment",
        GET(lambda world: f"/api/v2/comments/{world.comments['pending'].pk}/"),
        same_for_all(ok(404)),
    ),
    (
        "API v2 post a comment",
        POST_JSON(V2_COMMENTS, api_comment),
        same_for_all(ok(202, effect="one_pending_added")),
    ),
    (
        "API v2 post an approved comment",
        POST_JSON(V2_COMMENTS, lambda world: api_comment(world, status="approved")),
        same_for_all(ok(400)),
    ),
    (
        "API v2 OPTIONS",
        Request("options", V2_COMMENTS),
        same_for_all(ok(200, 204, 405)),
    ),
    (
        "API v2 article",
        GET(lambda world: f"/api/v2/pages/{world.article.pk}/"),
        same_for_all(ok(200, shows=(APPROVED_BODY,))),
    ),
    (
        "API v2 articles with every field",
        GET(const(f"/api/v2/pages/?type={ArticlePage._meta.label}&fields=*")),
        same_for_all(ok(200, shows=(APPROVED_BODY,))),
    ),
    # -- Import articles: only the uploader sees and confirms an upload --------
    ("import form", GET(IMPORT_INDEX), importers_only(ok(200), ok(200))),
    (
        "import upload and preview",
        POST(IMPORT_INDEX, import_upload_data),
        importers_only(ok(302, pages_added=0), ok(302, pages_added=0)),
    ),
    (
        "import preview of the editor's upload",
        GET(import_job_url("wagtail_dvt_import:job")),
        importers_only(ok(200), ok(404)),
    ),
    (
        "import confirm of the editor's upload",
        POST(import_job_url("wagtail_dvt_import:confirm")),
        importers_only(ok(302, pages_added=1), ok(404, pages_added=0)),
    ),
    # -- Reply notifications: the link is the key, for anyone, no login ---------
    (
        "API v2 post a comment asking for replies by email",
        POST_JSON(
            V2_COMMENTS,
            lambda world: api_comment(
                world, email="poster@example.org", notify_replies=True
            ),
        ),
        same_for_all(ok(202, effect="one_pending_added", hides=("poster@",))),
    ),
    (
        "unsubscribe page of a reader's link",
        GET(unsubscribe_link()),
        same_for_all(ok(200, shows=("Stop reply notifications",))),
    ),
    (
        "one-click unsubscribe of a reader's link",
        POST(unsubscribe_link(), lambda world: {"List-Unsubscribe": "One-Click"}),
        same_for_all(ok(200, shows=("You are unsubscribed",))),
    ),
    (
        "stop every email with a reader's link",
        POST(unsubscribe_link("stop_all_mail")),
        same_for_all(ok(200, shows=("no more email",))),
    ),
    (
        "unsubscribe with a forged link",
        POST(
            const(reverse("wagtail_dvt_mail:unsubscribe", args=["0" * 64 + ":forged"]))
        ),
        same_for_all(ok(404)),
    ),
]

if WAGTAIL_VERSION >= (8, 0):
    MATRIX += [
        (
            "API v3 comments",
            GET(const(V3_COMMENTS)),
            same_for_all(ok(200, shows=(APPROVED_BODY,))),
        ),
        (
            "API v3 hidden comment",
            GET(lambda world: f"{V3_COMMENTS}{world.comments['pending'].pk}/"),
            same_for_all(ok(404)),
        ),
        (
            "API v3 post a comment",
            POST_JSON(const(V3_COMMENTS), api_comment),
            same_for_all(ok(202, effect="one_pending_added")),
        ),
        (
            "API v3 post an approved comment",
            POST_JSON(
                const(V3_COMMENTS), lambda world: api_comment(world, status="approved")
            ),
            same_for_all(ok(400, 422)),
        ),
        (
            "API v3 report a visible comment",
            POST_JSON(
                api_report(V3_COMMENTS, "approved"), const('{"reason": "abuse"}')
            ),
            same_for_all(ok(202, reports_added=1)),
        ),
        (
            "API v3 report a hidden comment",
            POST_JSON(api_report(V3_COMMENTS, "rejected"), const("{}")),
            same_for_all(ok(202)),
        ),
        (
            "API v3 article",
            GET(lambda world: f"/api/v3/pages/{world.article.pk}/"),
            same_for_all(ok(200, shows=(APPROVED_BODY,))),
        ),
    ]

CASES = [
    pytest.param(
        request,
        user,
        outcome,
        id=f"{name} | {user}",
    )
    for name, request, row in MATRIX
    for user, outcome in row.items()
]


# -- the check --------------------------------------------------------------------


#: The address a report came from: private, moderators only.
REPORTER_IP = "203.0.113.77"


def report_approved_comment(world):
    """One reader's report of the approved comment, before each request: the
    listing and edit views show it to moderators only."""
    from wagtail_dvt.comments.reports import CommentReport

    CommentReport.objects.create(
        comment=world.comments["approved"],
        client_key="address:matrix",
        ip_address=REPORTER_IP,
        reason="off_topic",
    )


def report_rows():
    from wagtail_dvt.comments.reports import CommentReport

    return list(
        CommentReport.objects.order_by("pk").values_list(
            "pk", "comment_id", "reporter_id", "reason"
        )
    )


def expected_rows(world, before, effect):
    """``before`` with the allowed change applied."""
    changes = {world.comments[key].pk: change for key, change in effect.items()}
    rows = []
    for row in before:
        change = changes.get(row[0], {})
        if change is None:
            continue
        values = dict(zip(COMMENT_ROW_FIELDS, row, strict=True))
        values.update(change)
        rows.append(tuple(values[column] for column in COMMENT_ROW_FIELDS))
    return rows


def send(client, world, request):
    url = request.url(world)
    kwargs = {"REMOTE_ADDR": POSTER_IP}
    if request.data is not None:
        kwargs["data"] = request.data(world)
    if request.content_type:
        kwargs["content_type"] = request.content_type
    return getattr(client, request.method)(url, **kwargs)


@pytest.mark.parametrize(("request_", "user", "outcome"), CASES)
def test_permission_matrix(client, world, request_, user, outcome):
    if user != ANONYMOUS:
        client.force_login(world.users[user])
    report_approved_comment(world)
    before = comment_rows()
    reports_before = report_rows()
    pages_before = set(ArticlePage.objects.values_list("pk", flat=True))

    response = send(client, world, request_)

    assert response.status_code in outcome.statuses, response.content[:500]
    location = response.get("Location", "")
    if response.status_code == 302:
        assert ("/login/" in location) == outcome.to_login, location
    html = response.content.decode(errors="replace")
    if outcome.sees_hidden:
        assert any(secret in html for secret in SECRETS)
    else:
        leaked = [secret for secret in SECRETS if secret in html]
        assert not leaked, f"{user} was shown {leaked}"
    for text in outcome.shows:
        assert text in html
    for text in outcome.hides:
        assert text not in html

    after = comment_rows()
    if outcome.effect == "one_pending_added":
        (added,) = Comment.objects.exclude(pk__in=[row[0] for row in before])
        assert (added.status, added.page_id) == (
            CommentStatus.PENDING,
            world.article.pk,
        )
        assert [row for row in after if row[0] != added.pk] == before
    elif outcome.effect:
        assert after == expected_rows(world, before, EFFECTS[outcome.effect])
    else:
        assert after == before
    added_reports = [row for row in report_rows() if row not in reports_before]
    assert len(added_reports) == outcome.reports_added
    assert all(row[1] == world.comments["approved"].pk for row in added_reports)
    new_pages = ArticlePage.objects.exclude(pk__in=pages_before)
    assert not Comment.objects.filter(page__in=new_pages).exists()
    if outcome.pages_added is not None:
        assert new_pages.count() == outcome.pages_added
