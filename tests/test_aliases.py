"""Aliases of an article (``Page.create_alias()``) hold no comments of their own.

Wagtail's alias code copies every child relation and ignores
``exclude_fields_in_copy``: an alias got copies of every comment, hidden
ones with their emails and IP addresses included, and each publish of the
source replaced the alias's comments, deleting those posted on it.
"""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from dvt_testing import make_article
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import PageViewRestriction

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()

APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING


@pytest.fixture
def source(root_page, settings):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
        "API_COMMENTS": "open",
    }
    page = make_article(root_page, title="Source article")
    for status in CommentStatus.values:
        Comment.objects.create(
            page=page,
            author_name=f"{status} reader",
            body=f"A {status} comment.",
            status=status,
            email=f"{status}@example.org",
            ip_address="203.0.113.5",
            user_agent="Agent/1",
        )
    return page


@pytest.fixture
def alias(source, root_page):
    return source.create_alias(parent=root_page, update_slug="source-alias").specific


def test_an_alias_holds_no_comment_rows(source, alias):
    assert Comment.objects.filter(page=alias).count() == 0
    assert Comment.objects.filter(page=source).count() == 4


def test_an_alias_shows_the_sources_approved_comments(client, source, alias):
    html = client.get(alias.url).content.decode()
    assert "A approved comment." in html
    for hidden in ("pending", "rejected", "spam"):
        assert f"A {hidden} comment." not in html
    assert alias.comment_count == 1


def test_the_v2_api_shows_the_sources_approved_comments_on_an_alias(
    client, source, alias
):
    data = client.get(f"/api/v2/pages/{alias.pk}/").json()
    assert [c["body"] for c in data["comments"]] == ["A approved comment."]
    assert data["comment_count"] == 1
    assert data["comments_url"].endswith(f"?article={source.pk}")

    listing = client.get("/api/v2/pages/", {"type": ArticlePage._meta.label})
    counts = {item["id"]: item for item in listing.json()["items"]}
    assert set(counts) == {source.pk, alias.pk}


def test_the_api_follows_an_alias_to_its_source_once_per_page(client, source, alias):
    """The embedded comments and ``comments_url`` share one walk of the alias
    chain: each walk costs a query per link."""
    from wagtail_dvt import models

    with mock.patch.object(
        models, "comments_source_id", wraps=models.comments_source_id
    ) as walks:
        data = client.get(f"/api/v2/pages/{alias.pk}/").json()

    assert data["comments_url"].endswith(f"?article={source.pk}")
    assert [call.args[0].pk for call in walks.call_args_list] == [alias.pk]


@pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="API v3 needs Wagtail 8")
def test_the_v3_api_shows_the_sources_approved_comments_on_an_alias(
    client, source, alias
):
    data = client.get(f"/api/v3/pages/{alias.pk}/").json()
    assert [c["body"] for c in data["comments"]] == ["A approved comment."]
    assert data["comment_count"] == 1


def form_post(client, page, body):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 5):
        token = make_form_token(page)
    data = {"author_name": "Al", "email": "", "body": body, "honeypot": ""}
    return client.post(page.url + "comment/", {**data, "token": token})


def test_a_comment_posted_on_an_alias_belongs_to_the_source(client, source, alias):
    response = form_post(client, alias, "Posted on the alias page.")
    assert response.status_code == 303
    v2 = client.post(
        "/api/v2/comments/",
        json.dumps({"article": alias.pk, "author_name": "Al", "body": "Via v2."}),
        content_type="application/json",
    )
    assert v2.status_code == 202, v2.content
    bodies = ["Posted on the alias page.", "Via v2."]
    if WAGTAIL_VERSION >= (8, 0):
        v3 = client.post(
            "/api/v3/comments/",
            json.dumps({"article": alias.pk, "author_name": "Al", "body": "Via v3."}),
            content_type="application/json",
        )
        assert v3.status_code == 202, v3.content
        bodies.append("Via v3.")

    posted = Comment.objects.filter(author_name="Al")
    assert sorted(posted.values_list("body", flat=True)) == sorted(bodies)
    assert set(posted.values_list("page_id", flat=True)) == {source.pk}
    assert not Comment.objects.filter(page=alias).exists()


def test_comments_on_a_closed_source_are_refused_on_its_alias(client, source, alias):
    ArticlePage.objects.filter(pk=source.pk).update(comments_open=False)
    response = form_post(client, alias, "Sneaking in through the alias.")
    assert response.status_code == 403
    assert not Comment.objects.filter(author_name="Al").exists()


def test_publishing_the_source_deletes_no_comment(client, source, alias):
    form_post(client, alias, "Posted on the alias page.")
    before = set(Comment.objects.values_list("pk", flat=True))

    source.title = "Source article, revised"
    source.save_revision().publish()  # updates the alias (update_aliases)

    alias.refresh_from_db()
    assert alias.title == "Source article, revised"
    assert set(Comment.objects.values_list("pk", flat=True)) == before
    assert not Comment.objects.filter(page=alias).exists()


def v2_post(client, page, body):
    return client.post(
        "/api/v2/comments/",
        json.dumps({"article": page.pk, "author_name": "Al", "body": body}),
        content_type="application/json",
    )


def private_section(root_page):
    section = make_article(root_page, title="Members only")
    PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.LOGIN
    )
    return section


def test_an_alias_is_closed_when_its_source_sits_in_a_private_section(
    root_page, client, settings
):
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "API_COMMENTS": "open"}
    source = make_article(private_section(root_page), title="Private source")
    alias = source.create_alias(parent=root_page, update_slug="public-alias").specific
    # Wagtail's own check on the alias reads the source, not its ancestors.
    assert not alias.get_view_restrictions().exists()

    assert form_post(client, alias, "Through the public alias.").status_code == 403
    assert v2_post(client, alias, "Through the public alias.").status_code == 403
    assert not Comment.objects.exists()


def test_an_alias_in_a_private_section_takes_no_comment(root_page, client, settings):
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "API_COMMENTS": "open"}
    source = make_article(root_page, title="Public source")
    alias = source.create_alias(
        parent=private_section(root_page), update_slug="private-alias"
    ).specific

    assert v2_post(client, alias, "Into the private alias.").status_code == 403
    assert v2_post(client, source, "On the public source.").status_code == 202
    assert list(Comment.objects.values_list("body", flat=True)) == [
        "On the public source."
    ]


@pytest.fixture
def private_source(root_page, settings):
    """A login-only article with an approved comment, and a public alias of it."""
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "API_COMMENTS": "open"}
    source = make_article(root_page, title="Members' article")
    Comment.objects.create(
        page=source, author_name="Member", body="For members only.", status=APPROVED
    )
    alias = source.create_alias(parent=root_page, update_slug="open-alias").specific
    # Made private after the alias was created, so the alias has no
    # restriction of its own (create_alias copies the source's).
    PageViewRestriction.objects.create(
        page=source, restriction_type=PageViewRestriction.LOGIN
    )
    return source, alias


def api_versions():
    return ["v2", "v3"] if WAGTAIL_VERSION >= (8, 0) else ["v2"]


def listed_pages(client, version):
    response = client.get(
        f"/api/{version}/pages/",
        {"type": ArticlePage._meta.label, "fields": "comments,comment_count"},
    )
    assert response.status_code == 200, response.content
    # v3 lists no custom field: an empty default stands for it.
    return {
        item["id"]: (item.get("comments", []), item.get("comment_count", 0))
        for item in response.json()["items"]
    }


def listed_comments(client, version, page):
    response = client.get(f"/api/{version}/comments/", {"article": page.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    return data.get("items", data.get("results"))


@pytest.mark.parametrize("version", api_versions())
def test_an_alias_of_a_login_only_article_shows_no_comment_in_the_api(
    client, private_source, version
):
    source, alias = private_source
    # The alias's page asks anonymous readers to log in.
    assert client.get(alias.url).status_code == 302

    detail = client.get(f"/api/{version}/pages/{alias.pk}/")
    assert detail.status_code == 200  # Wagtail serves the alias's own fields
    assert detail.json()["comments"] == []
    assert detail.json()["comment_count"] == 0
    assert "For members only." not in detail.content.decode()
    assert listed_pages(client, version) == {alias.pk: ([], 0)}
    for page in (source, alias):
        assert listed_comments(client, version, page) == []


@pytest.fixture
def sectioned_source(root_page, settings):
    """An article with an approved comment in a login-only section, and a
    public alias of it."""
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "API_COMMENTS": "open"}
    source = make_article(private_section(root_page), title="Private source")
    Comment.objects.create(
        page=source, author_name="Member", body="For members only.", status=APPROVED
    )
    alias = source.create_alias(parent=root_page, update_slug="public-alias").specific
    return source, alias


@pytest.mark.parametrize("version", api_versions())
def test_an_alias_of_an_article_in_a_private_section_shows_no_comment(
    client, sectioned_source, version
):
    source, alias = sectioned_source

    # Wagtail serves this alias to anyone: its check skips the source's ancestors.
    page = client.get(alias.url)
    assert page.status_code == 200
    assert "For members only." not in page.content.decode()
    assert page.context["comment_count"] == 0
    detail = client.get(f"/api/{version}/pages/{alias.pk}/").json()
    assert (detail["comments"], detail["comment_count"]) == ([], 0)
    assert listed_pages(client, version) == {alias.pk: ([], 0)}
    assert listed_comments(client, version, source) == []


def test_a_reader_who_may_see_the_source_sees_its_comments_on_the_alias(
    client, sectioned_source, django_user_model
):
    _source, alias = sectioned_source
    client.force_login(django_user_model.objects.create_user("member"))

    page = client.get(alias.url)

    assert "For members only." in page.content.decode()
    assert page.context["comment_count"] == 1
