"""Signed-in commenters (docs/conversations.md#signed-in-commenters), through
the real path: the page's form and API v2 and v3, as each kind of user, with
the database checked afterwards.

- A signed-in user comments under the account's name and email, whatever
  was posted, and the comment keeps the account (``Comment.user``).
- The article owner's comments carry the "Author" badge and
  ``by_article_author``.
- ``COMMENTS_REQUIRE_LOGIN`` makes commenting sign-in only.
- An anonymous name that passes for the article's author or a staff user's
  is refused (``name_reserved``), as typed or as a lookalike.
- Personal data requests find comments by the account's address too.
"""

from __future__ import annotations

import json
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string
from dvt_testing import count_queries, groups_by_kind, make_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.comments.names import skeleton
from wagtail_dvt.models import Comment, CommentStatus
from wagtail_dvt.privacy import erase_personal_data, export_personal_data

needs_v3 = pytest.mark.skipif(
    WAGTAIL_VERSION < (8, 0), reason="Wagtail's API v3 needs Wagtail 8"
)
V2, V3 = "/api/v2/comments/", "/api/v3/comments/"
APIS = [pytest.param(V2, id="v2"), pytest.param(V3, id="v3", marks=needs_v3)]
KINDS = ["reader", "bare_admin", "editor", "moderator", "superuser"]
AUTHOR = "Hamish Negi"


@pytest.fixture
def dvt(settings):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FORM_TOKEN_MIN_AGE": 0,
        "FLOOD_INTERVAL": 0,
        "API_COMMENTS": "open",
    }

    def configure(**options):
        settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, **options}

    return configure


@pytest.fixture
def users(db, django_user_model):
    """One signed-in user of each kind, each with a full name and an address."""
    groups = groups_by_kind()
    made = {}
    for kind in KINDS:
        create = (
            django_user_model.objects.create_superuser
            if kind == "superuser"
            else django_user_model.objects.create_user
        )
        user = create(
            kind,
            f"{kind}@example.com",
            "pw",
            first_name=kind.replace("_", " ").title(),
            last_name="Account",
        )
        if kind in groups:
            user.groups.add(groups[kind])
        made[kind] = user
    return made


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        "hnegi", "hamish@example.com", "pw", first_name="Hamish", last_name="Negi"
    )


@pytest.fixture
def article(root_page, owner, dvt):
    page = make_article(root_page, "Clots", owner=owner)
    page.author = AUTHOR
    page.save()
    return page


def form_post(client, page, **fields):
    data = {
        "author_name": "Ann Reader",
        "email": "ann@example.com",
        "body": "Thank you.",
        "honeypot": "",
        "token": make_form_token(page),
        **fields,
    }
    return client.post(page.url + "comment/", data)


def api_post(client, api, page, **fields):
    body = {"article": page.pk, "author_name": "Ann Reader", "body": "Hi.", **fields}
    return client.post(api, json.dumps(body), content_type="application/json")


def bearer_client(user):
    from wagtail.models import APIToken

    _token, plaintext = APIToken.create_token(user=user, name="front-end")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def session_client(user):
    """A v2 client signed in by session, with the CSRF token as a page sends it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    # The cookie any page with a form sets, and its value as JavaScript sends it.
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    client.defaults["HTTP_X_CSRFTOKEN"] = secret
    return client


def signed_in_api_client(api, user, dvt):
    """A client the API signs in as ``user``: v2 by session (authenticated
    mode), v3 by bearer token (any mode)."""
    if api == V2:
        dvt(API_COMMENTS="authenticated")
        return session_client(user)
    return bearer_client(user)


def assert_under_the_account(user):
    """The one comment stored is the account's, under its name and address."""
    comment = Comment.objects.get()
    assert (comment.user, comment.author_name, comment.email) == (
        user,
        user.get_full_name(),
        user.email,
    )


# -- the form ------------------------------------------------------------------


def test_the_form_says_who_a_signed_in_reader_comments_as(client, article, users):
    client.force_login(users["reader"])
    html = unescape(client.get(article.url).content.decode())

    assert "Commenting as <strong>Reader Account</strong>" in html
    assert 'name="author_name"' not in html
    assert 'name="email"' not in html
    assert 'name="body"' in html
    assert "data-dvt-remember" not in html

    anonymous = Client().get(article.url).content.decode()
    assert "Commenting as" not in anonymous
    assert 'name="author_name"' in anonymous


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_in_post_takes_the_accounts_name_and_email(
    client, article, users, kind
):
    user = users[kind]
    client.force_login(user)

    response = form_post(client, article, author_name=AUTHOR, email="x@e.org")

    assert response.status_code == 303, response.content
    assert_under_the_account(user)


def test_an_account_without_a_full_name_comments_under_its_username(
    client, article, django_user_model
):
    user = django_user_model.objects.create_user("plainuser", "p@example.com", "pw")
    client.force_login(user)
    assert (
        "Commenting as <strong>plainuser</strong>"
        in client.get(article.url).content.decode()
    )

    assert form_post(client, article).status_code == 303
    assert Comment.objects.get().author_name == "plainuser"


def test_a_long_account_name_is_cut_to_the_names_limit(
    client, article, dvt, django_user_model
):
    dvt(COMMENT_NAME_MAX_LENGTH=8)
    user = django_user_model.objects.create_user(
        "longname", "l@example.com", "pw", first_name="Maximiliane", last_name="Long"
    )
    client.force_login(user)

    assert form_post(client, article).status_code == 303
    assert Comment.objects.get().author_name == "Maximili"


def test_an_account_without_an_address_comments_without_one(
    client, article, django_user_model
):
    user = django_user_model.objects.create_user("noaddress", "", "pw")
    client.force_login(user)

    assert form_post(client, article, email="x@e.org").status_code == 303
    comment = Comment.objects.get()
    assert (comment.user, comment.email) == (user, "")


def test_an_anonymous_post_links_no_account(client, article):
    assert form_post(client, article).status_code == 303
    comment = Comment.objects.get()
    assert (comment.user, comment.author_name) == (None, "Ann Reader")


def test_deleting_an_account_keeps_its_comments(client, article, users):
    client.force_login(users["reader"])
    form_post(client, article)
    users["reader"].delete()

    comment = Comment.objects.get()
    assert (comment.user, comment.author_name) == (None, "Reader Account")


# -- the API -------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_in_api_post_takes_the_accounts_name(api, kind, article, users, dvt):
    user = users[kind]
    client = signed_in_api_client(api, user, dvt)

    response = api_post(client, api, article, author_name=AUTHOR, email="x@e.org")

    assert response.status_code == 202, response.content
    assert_under_the_account(user)


# -- names that pass for someone else's ----------------------------------------


LOOKALIKES = [
    pytest.param(AUTHOR, id="the-author-as-typed"),
    pytest.param("  hamish   NEGI ", id="case-and-spaces"),
    pytest.param("Ｈａｍｉｓｈ Ｎｅｇｉ", id="full-width"),
    pytest.param("Hamish\u00adNegi".replace("\u00ad", " \u200b"), id="zero-width"),
    pytest.param("Hamish Negі", id="cyrillic-i"),
    pytest.param("Ηamish Νegi", id="greek-capitals"),
    pytest.param("Η\u200bamish Νegi", id="greek-capitals-and-zero-width"),
    pytest.param("Harnish Negi", id="rn-for-m"),
    pytest.param("Moderator Account", id="a-staff-full-name"),
    pytest.param("m\u043ederator", id="a-staff-username-lookalike"),
    pytest.param("superuser", id="a-superuser-username"),
    pytest.param("Editor Account", id="an-editor-group-member"),
]


@pytest.mark.parametrize("name", LOOKALIKES)
def test_the_form_refuses_a_name_that_passes_for_the_author_or_staff(
    client, article, users, name
):
    response = form_post(client, article, author_name=name)

    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "This name belongs to the article's author or to a member of staff." in html
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("Hamish Neg", id="shorter"),
        pytest.param("Hamish Negl", id="another-letter"),
        pytest.param("Hamísh Negi", id="an-accent"),
        pytest.param("Reader Account", id="a-non-staff-user"),
        pytest.param("Gone Staff", id="an-inactive-staff-user"),
    ],
)
def test_other_names_pass(client, article, users, django_user_model, name):
    django_user_model.objects.create_user(
        "gone", "g@example.com", first_name="Gone", last_name="Staff", is_staff=True
    ).__class__.objects.filter(username="gone").update(is_active=False)

    assert form_post(client, article, author_name=name).status_code == 303
    assert Comment.objects.get().author_name == name


def test_is_staff_alone_is_staff(client, article, django_user_model):
    django_user_model.objects.create_user("djadmin", "d@example.com", is_staff=True)
    assert form_post(client, article, author_name="DJADMIN").status_code == 400
    assert Comment.objects.count() == 0


def test_a_superuser_without_is_staff_is_staff(client, article, django_user_model):
    # Wagtail lets a superuser into its admin whatever is_staff says.
    django_user_model.objects.create_user(
        "rootonly", "r@example.com", is_superuser=True, is_staff=False
    )
    assert form_post(client, article, author_name="Rootonly").status_code == 400
    assert Comment.objects.count() == 0


def test_admin_access_given_to_the_user_alone_is_staff(
    client, article, django_user_model
):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("direct", "x@example.com")
    user.user_permissions.add(
        Permission.objects.get(
            codename="access_admin", content_type__app_label="wagtailadmin"
        )
    )
    assert form_post(client, article, author_name="Direct").status_code == 400
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("api", APIS)
def test_the_api_refuses_a_reserved_name_with_its_code(client, api, article, users):
    response = api_post(client, api, article, author_name="Hamish Negі")

    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "name_reserved"
    if api == V2:
        assert list(data["errors"]) == ["author_name"]
    else:
        assert data["errors"][0]["loc"] == ["body", "data", "author_name"]
    assert Comment.objects.count() == 0


def test_the_author_signed_in_may_use_their_own_name(client, article, owner):
    client.force_login(owner)
    assert form_post(client, article).status_code == 303
    assert Comment.objects.get().author_name == AUTHOR


def test_the_staff_names_cost_one_query_per_post(client, article, users):
    with CaptureQueriesContext(connection) as queries:
        assert form_post(client, article).status_code == 303
    user_table = users["reader"]._meta.db_table
    reading_users = [
        query["sql"]
        for query in queries
        if f'FROM "{user_table}"' in query["sql"] and "SELECT" in query["sql"]
    ]
    assert len(reading_users) == 1, reading_users


def test_the_skeleton_matches_lookalikes_only():
    assert skeleton("Hamish Negі") == skeleton("hamish negi")
    assert skeleton("rnary") == skeleton("mary")
    assert skeleton("Hamish Negl") != skeleton("Hamish Negi")
    assert skeleton("Hamísh") != skeleton("Hamish")


# -- the article author's badge ------------------------------------------------


@pytest.fixture
def conversation(article, owner, users):
    """An approved comment by the owner (signed in), one by a reader, and one
    anonymous under the owner's name set by hand (no account: no badge)."""

    def approved(name, user=None):
        return Comment.objects.create(
            page=article,
            author_name=name,
            body=f"From {name}.",
            status=CommentStatus.APPROVED,
            user=user,
        )

    return [
        approved(AUTHOR, owner),
        approved("Reader Account", users["reader"]),
        approved(AUTHOR),
    ]


def test_the_page_badges_the_owners_comment_only(client, article, conversation):
    html = client.get(article.url).content.decode()
    badges = html.count('class="dvt-comment-badge"')

    assert badges == 1
    own = html.split(f'id="comment-{conversation[0].pk}"')[1].split("</article>")[0]
    assert "dvt-comment-badge" in own


def flags(items):
    return [item["by_article_author"] for item in items]


@pytest.mark.parametrize("api", APIS)
def test_the_apis_mark_the_owners_comments(client, api, article, conversation):
    listing = client.get(api, {"article": article.pk}).json()
    assert flags(listing["items"]) == [True, False, False]

    for comment, expected in zip(conversation, [True, False, False], strict=True):
        detail = client.get(f"{api}{comment.pk}/").json()
        assert detail["by_article_author"] is expected

    pages = "/api/v2/pages/" if api == V2 else "/api/v3/pages/"
    embedded = client.get(f"{pages}{article.pk}/").json()["comments"]
    assert flags(embedded) == [True, False, False]


def test_v2_selected_fields_and_listings_of_pages_mark_them_too(
    client, article, conversation
):
    selected = client.get(V2, {"fields": "by_article_author"}).json()["items"]
    assert flags(selected) == [True, False, False]

    pages = client.get(
        "/api/v2/pages/", {"type": article._meta.label, "fields": "comments"}
    ).json()
    assert flags(pages["items"][0]["comments"]) == [True, False, False]


def test_by_article_author_is_no_filter(client, article, conversation):
    response = client.get(V2, {"by_article_author": "true"})
    assert response.status_code == 400


@pytest.mark.parametrize("api", APIS)
def test_a_new_comment_by_the_owner_is_marked_when_published(api, article, owner, dvt):
    dvt(AUTO_APPROVE=True)
    client = signed_in_api_client(api, owner, dvt)

    response = api_post(client, api, article)

    assert response.status_code == 201, response.content
    assert response.json()["by_article_author"] is True
    assert Comment.objects.get().user == owner


@needs_v3
def test_the_v3_schema_publishes_the_field(client):
    schemas = client.get("/api/v3/openapi.json").json()["components"]["schemas"]
    comment = schemas["ReaderCommentSchema"]
    assert comment["properties"]["by_article_author"]["type"] == "boolean"
    assert "by_article_author" in comment["required"]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(lambda page: (V2, {"article": page.pk}), id="v2-listing"),
        pytest.param(lambda page: (f"/api/v2/pages/{page.pk}/", {}), id="v2-page"),
        pytest.param(
            lambda page: (V3, {"article": page.pk}), id="v3-listing", marks=needs_v3
        ),
        pytest.param(lambda page: (page.url, {}), id="the-page"),
    ],
)
def test_marking_the_author_costs_no_query_per_comment(
    client, article, owner, users, url
):
    def add(count, user):
        Comment.objects.bulk_create(
            Comment(
                page=article,
                author_name=f"R{n}",
                body=f"B{n}",
                status=CommentStatus.APPROVED,
                user=user,
            )
            for n in range(count)
        )

    path, params = url(article)
    # Past a page of the listing (20), which then counts its rows: a query.
    add(21, owner)
    few = count_queries(client, path, params)
    add(20, owner)
    add(20, users["reader"])
    many = count_queries(client, path, params)

    assert few == many


# -- sign-in only --------------------------------------------------------------


def test_sign_in_only_offers_a_sign_in_link_back_to_the_form(
    client, article, dvt, settings
):
    dvt(COMMENTS_REQUIRE_LOGIN=True)
    settings.LOGIN_URL = "/admin/login/"

    html = unescape(client.get(article.url).content.decode())

    assert 'name="body"' not in html
    link = html.split('class="dvt-comment-sign-in"><a href="')[1].split('"')[0]
    parts = urlsplit(link)
    assert parts.path == "/admin/login/"
    assert parse_qs(parts.query)["next"] == [f"{article.url}#comment-form"]


def test_the_sign_in_link_keeps_the_login_urls_own_query(
    client, article, dvt, settings
):
    """Built as Django's ``redirect_to_login`` builds it."""
    from django.contrib.auth.views import redirect_to_login

    dvt(COMMENTS_REQUIRE_LOGIN=True)
    settings.LOGIN_URL = "/admin/login/?via=comments"

    html = unescape(client.get(article.url).content.decode())

    link = html.split('class="dvt-comment-sign-in"><a href="')[1].split('"')[0]
    assert parse_qs(urlsplit(link).query) == {
        "via": ["comments"],
        "next": [f"{article.url}#comment-form"],
    }
    assert link == redirect_to_login(f"{article.url}#comment-form")["Location"]


def test_sign_in_only_refuses_an_anonymous_form_post(client, article, dvt):
    dvt(COMMENTS_REQUIRE_LOGIN=True)

    response = form_post(client, article)

    assert response.status_code == 403
    assert "Sign in to post a comment." in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_sign_in_only_takes_a_signed_in_post(client, article, users, dvt, kind):
    dvt(COMMENTS_REQUIRE_LOGIN=True)
    client.force_login(users[kind])

    assert 'name="body"' in client.get(article.url).content.decode()
    assert form_post(client, article).status_code == 303
    assert Comment.objects.get().user == users[kind]


@pytest.mark.parametrize("mode", ["token", "open"])
@pytest.mark.parametrize("api", APIS)
def test_sign_in_only_makes_the_api_authenticated(client, api, mode, article, dvt):
    dvt(API_COMMENTS=mode, COMMENTS_REQUIRE_LOGIN=True)

    response = api_post(client, api, article)

    assert response.status_code == (403 if api == V2 else 401), response.content
    assert response.json()["code"] == "authentication_required"
    assert Comment.objects.count() == 0


@needs_v3
def test_sign_in_only_takes_a_bearer_token_in_token_mode(article, users, dvt):
    dvt(API_COMMENTS="token", COMMENTS_REQUIRE_LOGIN=True)

    response = api_post(bearer_client(users["reader"]), V3, article)

    assert response.status_code == 202, response.content
    assert Comment.objects.get().user == users["reader"]


def test_sign_in_only_v2_takes_the_session_in_open_mode(article, users, dvt):
    dvt(COMMENTS_REQUIRE_LOGIN=True)

    response = api_post(session_client(users["reader"]), V2, article)

    assert response.status_code == 202, response.content
    assert Comment.objects.get().user == users["reader"]


# -- personal data -------------------------------------------------------------


def test_export_and_erasure_find_comments_by_the_accounts_address(
    client, article, users
):
    reader = users["reader"]
    client.force_login(reader)
    form_post(client, article)
    # The account's address changes after the comment.
    reader.email = "new-address@example.com"
    reader.save()
    Comment.objects.create(
        page=article, author_name="Someone", body="Unrelated.", email="x@example.org"
    )

    exported = export_personal_data("NEW-address@example.com")
    assert [row["name"] for row in exported.records["comments"]] == ["Reader Account"]

    result = erase_personal_data("new-address@example.com")

    assert result.counts["comments"] == 1
    erased = Comment.objects.get(body="Thank you.")
    assert (erased.user, erased.author_name, erased.email) == (None, "Anonymous", "")
    assert Comment.objects.get(body="Unrelated.").email == "x@example.org"
    assert export_personal_data("new-address@example.com").count == 0
