"""Posting comments through API v2 and v3 under ``WAGTAIL_DVT["API_COMMENTS"]``:
the signed per-article token and honeypot by default, "open", "authenticated"
and "off". Every refusal is a 4xx with a stable ``code``, and stores nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from dvt_testing import age_posts, make_article
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import PageViewRestriction

from wagtail_dvt.api.tokens import ApiTokenSigner
from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()


needs_v3 = pytest.mark.skipif(
    WAGTAIL_VERSION < (8, 0), reason="Wagtail's API v3 needs Wagtail 8"
)
VERSIONS = [
    pytest.param("/api/v2/comments/", id="v2"),
    pytest.param("/api/v3/comments/", id="v3", marks=needs_v3),
]


@pytest.fixture(params=VERSIONS)
def api(request):
    return request.param


@pytest.fixture
def dvt(settings):
    """Default ``API_COMMENTS``; no wait before a token may be used."""
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FORM_TOKEN_MIN_AGE": 0}

    def configure(**options):
        settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, **options}

    return configure


@pytest.fixture
def page(root_page):
    return make_article(root_page, "Tokens")


def fetch_token(client, api, page, **extra):
    return client.get(f"{api}token/", {"article": page.pk}, **extra)


def post(client, api, page, **fields):
    body = {"article": page.pk, "author_name": "Tess", "body": "Token post.", **fields}
    return client.post(api, json.dumps(body), content_type="application/json")


def refusal(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Comment.objects.count() == 0


def test_post_with_a_fetched_token_is_stored_pending(client, api, page, dvt):
    fetched = fetch_token(client, api, page)
    assert fetched.status_code == 200
    assert fetched["Cache-Control"] == "no-store"
    data = fetched.json()
    assert set(data) == {"article", "token", "min_age", "max_age"}
    assert (data["article"], data["min_age"], data["max_age"]) == (page.pk, 0, 7200)

    response = post(client, api, page, token=data["token"], honeypot="")

    assert response.status_code == 202, response.content
    comment = Comment.objects.get()
    assert (comment.page_id, comment.status) == (page.pk, CommentStatus.PENDING)


def test_post_without_a_token_is_refused(client, api, page, dvt):
    refusal(post(client, api, page), 400, "token_missing")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda page: "forged:1aB2:abc", id="forged"),
        pytest.param(make_form_token, id="the-page-form's-token"),
        pytest.param(
            lambda page: ApiTokenSigner().sign(str(page.pk + 1)), id="other-article"
        ),
        pytest.param(lambda page: ApiTokenSigner().sign(str(page.pk))[:-2], id="cut"),
    ],
)
def test_invalid_tokens_are_refused(client, api, page, dvt, make_token):
    refusal(post(client, api, page, token=make_token(page)), 400, "token_invalid")


def test_a_token_for_another_article_is_refused(client, api, page, root_page, dvt):
    other = make_article(root_page, "Other")
    token = fetch_token(client, api, other).json()["token"]
    refusal(post(client, api, page, token=token), 400, "token_invalid")


def test_an_expired_token_is_refused(client, api, page, dvt, clock):
    token = fetch_token(client, api, page).json()["token"]
    clock.shift(7200.01)
    refusal(post(client, api, page, token=token), 400, "token_expired")
    clock.shift(-0.02)
    assert post(client, api, page, token=token).status_code == 202


def test_a_token_used_too_soon_is_refused(client, api, page, dvt):
    dvt(FORM_TOKEN_MIN_AGE=60)
    token = fetch_token(client, api, page).json()["token"]
    refusal(post(client, api, page, token=token), 400, "too_fast")


def test_a_filled_honeypot_is_refused(client, api, page, dvt):
    token = fetch_token(client, api, page).json()["token"]
    refusal(post(client, api, page, token=token, honeypot="x"), 400, "honeypot")


@pytest.mark.parametrize("token", [None, 12, ["a"]])
def test_a_token_of_the_wrong_type_is_a_4xx(client, api, page, dvt, token):
    response = post(client, api, page, token=token)
    assert 400 <= response.status_code < 500
    assert Comment.objects.count() == 0


def test_tokens_only_for_public_articles_with_comments_open(
    client, api, root_page, dvt
):
    draft = make_article(root_page, "Draft", live=False)
    private = make_article(root_page, "Private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.LOGIN
    )
    closed = make_article(root_page, "Closed")
    ArticlePage.objects.filter(pk=closed.pk).update(comments_open=False)

    assert fetch_token(client, api, draft).status_code == 404
    assert fetch_token(client, api, private).status_code == 404
    assert fetch_token(client, api, closed).status_code == 403
    bad = client.get(f"{api}token/", {"article": "x"})
    assert 400 <= bad.status_code < 500


def test_open_needs_no_token_but_still_checks_the_honeypot(client, api, page, dvt):
    dvt(API_COMMENTS="open")
    assert post(client, api, page, honeypot="spam").status_code == 400
    assert post(client, api, page).status_code == 202
    assert Comment.objects.count() == 1


def test_off_refuses_posts_and_tokens(client, api, page, dvt):
    dvt(API_COMMENTS="off")
    refusal(fetch_token(client, api, page), 403, "api_comments_off")
    refusal(post(client, api, page), 403, "api_comments_off")


def test_off_stays_off_when_comments_need_signing_in(client, api, page, dvt):
    """``COMMENTS_REQUIRE_LOGIN`` makes "token" and "open" sign-in only, not "off"."""
    dvt(API_COMMENTS="off", COMMENTS_REQUIRE_LOGIN=True)
    refusal(fetch_token(client, api, page), 403, "api_comments_off")
    refusal(post(client, api, page), 403, "api_comments_off")


def test_unknown_mode_is_a_configuration_error(client, api, page, dvt):
    from django.core.exceptions import ImproperlyConfigured

    from wagtail_dvt.checks import check_api_comments_mode

    assert check_api_comments_mode() == []
    dvt(API_COMMENTS="closed")
    assert [error.id for error in check_api_comments_mode()] == ["wagtail_dvt.E002"]
    with pytest.raises(
        ImproperlyConfigured,
        match=r"API_COMMENTS.* must be one of token, open, authenticated, off; "
        r"got 'closed'$",
    ):
        post(client, api, page)


def test_authenticated_v2_takes_the_session_with_csrf(page, dvt, django_user_model):
    dvt(API_COMMENTS="authenticated")
    api = "/api/v2/comments/"
    anonymous = Client(enforce_csrf_checks=True)
    refusal(post(anonymous, api, page), 403, "authentication_required")

    user = django_user_model.objects.create_user("reader", password="pw")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    # A cross-site request carries the cookie but cannot read the CSRF token.
    assert post(browser, api, page).status_code == 403
    assert Comment.objects.count() == 0

    browser.get("/admin/login/")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    body = {"article": page.pk, "author_name": "Reader", "body": "Signed in."}
    response = browser.post(
        api, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 202, response.content
    # Under the account's name (its username here), not the one posted.
    assert (Comment.objects.get().author_name, Comment.objects.get().user) == (
        "reader",
        user,
    )


@needs_v3
def test_authenticated_v3_takes_a_bearer_token_not_the_session(
    client, page, dvt, django_user_model
):
    from wagtail.models import APIToken

    dvt(API_COMMENTS="authenticated")
    api = "/api/v3/comments/"
    user = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(user)
    response = post(client, api, page)
    refusal(response, 401, "authentication_required")
    assert response["WWW-Authenticate"] == "Bearer"

    _token, plaintext = APIToken.create_token(user=user, name="front-end")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    assert post(client, api, page).status_code == 202
    assert Comment.objects.count() == 1


@needs_v3
def test_v3_schema_types_the_token_endpoint_and_fields(client):
    schema = client.get("/api/v3/openapi.json").json()
    token_op = schema["paths"]["/api/v3/comments/token/"]["get"]
    assert token_op["operationId"] == "wagtail_dvt_comments_token"
    assert {"200", "403", "404"} <= set(token_op["responses"])
    create = schema["components"]["schemas"]["ReaderCommentCreateSchema"]
    assert {"token", "honeypot"} <= set(create["properties"])
    create_op = schema["paths"]["/api/v3/comments/"]["post"]
    assert "401" in create_op["responses"]  # API_COMMENTS = "authenticated"
    token_schema = schema["components"]["schemas"]["CommentTokenSchema"]
    assert set(token_schema["required"]) == {"article", "token", "min_age", "max_age"}


# -- A token serves one comment ------------------------------------------------


def test_a_token_serves_one_comment_from_any_address(client, api, page, dvt):
    dvt(FLOOD_INTERVAL=0)
    token = fetch_token(client, api, page).json()["token"]
    first = client.post(
        api,
        json.dumps(
            {"article": page.pk, "author_name": "Tess", "body": "One.", "token": token}
        ),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.1",
    )
    assert first.status_code == 202, first.content
    for number, address in enumerate(["198.51.100.2", "2001:db8::3"]):
        again = client.post(
            api,
            json.dumps(
                {
                    "article": page.pk,
                    "author_name": "Tess",
                    "body": f"Again {number}.",
                    "token": token,
                }
            ),
            content_type="application/json",
            REMOTE_ADDR=address,
        )
        assert again.status_code == 400, again.content
        assert again.json()["code"] == "token_used"
    assert list(Comment.objects.values_list("body", flat=True)) == ["One."]


def test_a_refused_post_does_not_spend_its_token(client, api, page, dvt):
    token = fetch_token(client, api, page).json()["token"]
    assert post(client, api, page, token=token, author_name="").status_code == 400
    dvt(FLOOD_INTERVAL=60)
    assert (
        post(
            client,
            api,
            page,
            body="Other.",
            token=fetch_token(client, api, page).json()["token"],
        ).status_code
        == 202
    )
    assert post(client, api, page, token=token).status_code == 429  # flood: kept

    age_posts(minutes=2)
    assert post(client, api, page, token=token).status_code == 202, "token spent"
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.SPAM])
def test_a_repeat_of_a_hidden_comment_spends_its_token(client, api, page, dvt, status):
    dvt(FLOOD_INTERVAL=0)
    assert (
        post(
            client, api, page, token=fetch_token(client, api, page).json()["token"]
        ).status_code
        == 202
    )
    Comment.objects.update(status=status)

    token = fetch_token(client, api, page).json()["token"]
    assert post(client, api, page, token=token).status_code == 202  # the repeat
    response = post(client, api, page, body="Something new.", token=token)

    assert response.status_code == 400
    assert response.json()["code"] == "token_used"
    assert Comment.objects.count() == 1


def test_spent_tokens_are_rows_in_the_database(client, page, dvt):
    """Another worker sees the spent token: it is a row, not process memory."""
    from wagtail_dvt.comments.limits import SpentCommentToken, token_digest

    token = fetch_token(client, "/api/v2/comments/", page).json()["token"]
    assert post(client, "/api/v2/comments/", page, token=token).status_code == 202
    assert SpentCommentToken.objects.filter(digest=token_digest(token)).exists()
