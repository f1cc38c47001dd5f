"""Conditional GETs: every read that shows an article's comments sends an ETag
computed from the data, answers ``If-None-Match`` with a 304, and never
answers a stale 304 after the comments or the page change.

Each change goes through the same save, delete or POST the admin and the
APIs make; each check is a real request through the site's middleware.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dvt_testing import make_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus

APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING
PUBLIC_CACHE = "public, max-age=0, must-revalidate"
V3 = WAGTAIL_VERSION >= (8, 0)
needs_v3 = pytest.mark.skipif(not V3, reason="API v3 needs Wagtail 8")

#: The reads, by name: a function of the article giving its URL.
READS = {
    "v2 detail": lambda a: f"/api/v2/pages/{a.pk}/",
    "v2 listing": lambda a: f"/api/v2/comments/?article={a.pk}",
    "v2 listing, another query": lambda a: (
        f"/api/v2/comments/?order=-posted_at&limit=5&article={a.pk}"
    ),
    "v3 detail": pytest.param(lambda a: f"/api/v3/pages/{a.pk}/", marks=needs_v3),
    "v3 listing": pytest.param(
        lambda a: f"/api/v3/comments/?article={a.pk}", marks=needs_v3
    ),
    "reader page": lambda a: a.url,
}
API_READS = {name: read for name, read in READS.items() if name != "reader page"}
DETAIL_READS = {name: READS[name] for name in ("v2 detail", "v3 detail")}


def reads(table):
    return pytest.mark.parametrize(
        "url_of", list(table.values()), ids=list(table.keys())
    )


@pytest.fixture(autouse=True)
def dvt_settings(settings):
    settings.WAGTAIL_DVT = {
        "NOTIFY_MODERATORS": False,
        "API_COMMENTS": "open",
        "AUTO_APPROVE": True,
        "FLOOD_INTERVAL": 0,
    }


@pytest.fixture
def article(root_page):
    page = make_article(root_page, "Validated")
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {n}",
            body=f"Comment {n}",
            status=APPROVED if n < 4 else PENDING,
            email=f"reader{n}@example.org",
            ip_address="203.0.113.9",
        )
        for n in range(6)
    )
    return page


def validated(client, url):
    """GET ``url`` twice (the first sets the reader's cookies); the ETag."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["ETag"].startswith('"')
    return response["ETag"]


def revalidate(client, url, tag):
    return client.get(url, HTTP_IF_NONE_MATCH=tag)


@reads(READS)
def test_a_matching_validator_answers_304_without_a_body(client, article, url_of):
    url = url_of(article)
    tag = validated(client, url)

    response = revalidate(client, url, tag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag
    assert revalidate(client, url, '"something else"').status_code == 200
    assert revalidate(client, url, f'"x", W/{tag}').status_code == 304


@reads(DETAIL_READS)
def test_a_new_cap_on_embedded_comments_moves_the_details_validator(
    client, article, url_of, settings
):
    """A copy holding four embedded comments is stale once the site embeds two."""
    url = url_of(article)
    tag = validated(client, url)
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "API_EMBEDDED_COMMENTS_LIMIT": 2}

    response = revalidate(client, url, tag)

    assert response.status_code == 200
    assert len(response.json()["comments"]) == 2
    assert revalidate(client, url, response["ETag"]).status_code == 304


def approve(article):
    comment = Comment.objects.filter(page=article, status=PENDING).first()
    comment.status = APPROVED
    comment.save()


def reject(article):
    comment = Comment.objects.filter(page=article, status=APPROVED).first()
    comment.status = CommentStatus.REJECTED
    comment.save()


def edit(article):
    comment = Comment.objects.filter(page=article, status=APPROVED).first()
    comment.body = "Edited by a moderator."
    comment.save()


def delete(article):
    Comment.objects.filter(page=article, status=APPROVED).first().delete()


def publish(article):
    article.title = "Validated, retitled"
    article.save_revision().publish()


def post_comment(article, client):
    response = client.post(
        "/api/v2/comments/",
        {"article": article.pk, "author_name": "New", "body": "A new comment."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


CHANGES = [approve, reject, edit, delete, publish, post_comment]


@reads(READS)
@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_no_stale_304_after_a_change(client, article, url_of, change):
    url = url_of(article)
    tag = validated(client, url)

    if change is post_comment:
        change(article, client)
    else:
        change(article)
    response = revalidate(client, url, tag)

    assert response.status_code == 200
    assert response["ETag"] != tag


@reads(READS)
def test_a_pending_comment_changes_nothing_readers_see(client, article, url_of):
    url = url_of(article)
    tag = validated(client, url)
    Comment.objects.create(page=article, author_name="Held", body="Held back.")
    assert revalidate(client, url, tag).status_code == 304


@reads(API_READS)
def test_api_reads_may_be_stored_by_shared_caches_and_hold_nothing_private(
    client, article, url_of
):
    response = client.get(url_of(article))

    assert response["Cache-Control"] == PUBLIC_CACHE
    assert "Set-Cookie" not in response.headers
    text = response.content.decode()
    assert "example.org" not in text and "203.0.113.9" not in text
    assert f"wagtail-dvt-article-{article.pk}" in response["Cache-Tag"]
    assert f"wagtail-dvt-article-{article.pk}" in response["Surrogate-Key"]


@pytest.mark.parametrize(
    "url_of",
    [
        READS["v2 detail"],
        pytest.param(lambda a: f"/api/v3/pages/{a.pk}/", marks=needs_v3),
    ],
    ids=["v2 detail", "v3 detail"],
)
def test_a_page_read_with_a_session_is_private(client, article, url_of, settings):
    # Wagtail shows a password-protected page to a session that gave the
    # password: such a copy must stay out of shared caches.
    client.cookies[settings.SESSION_COOKIE_NAME] = "some-session"
    response = client.get(url_of(article))
    assert response["Cache-Control"].startswith("private")
    assert "Cookie" in response["Vary"]


@reads(API_READS)
def test_api_cache_control_is_a_setting(client, article, url_of, settings):
    settings.WAGTAIL_DVT = {"API_CACHE_CONTROL": "public, max-age=30"}
    assert client.get(url_of(article))["Cache-Control"] == "public, max-age=30"


def test_the_reader_page_is_private_to_each_reader(client, article):
    url = article.url
    tag = validated(client, url)
    response = revalidate(client, url, tag)

    assert response.status_code == 304
    for answer in (response, client.get(url)):
        assert answer["Cache-Control"] == "private, max-age=0, must-revalidate"
        assert "Cookie" in answer["Vary"]
    # Another reader (another CSRF cookie) never matches this one's copy.
    client.cookies.clear()
    assert revalidate(client, url, tag).status_code == 200


def test_a_signed_in_reader_does_not_match_an_anonymous_copy(
    client, article, django_user_model
):
    tag = validated(client, article.url)
    client.force_login(django_user_model.objects.create_user("reader"))
    assert revalidate(client, article.url, tag).status_code == 200


def test_each_comments_page_has_its_own_validator(client, article, settings):
    settings.WAGTAIL_DVT = {"COMMENTS_PER_PAGE": 2}
    first = validated(client, article.url)
    second = validated(client, f"{article.url}?comments_page=2")
    assert first != second
    reject(article)  # Shifts the second page's comments.
    response = revalidate(client, f"{article.url}?comments_page=2", second)
    assert response.status_code == 200


@pytest.fixture
def settled(article, monkeypatch):
    """The article as it stands an hour after its last change (and this
    process's start): its reads carry a ``Last-Modified``."""
    from datetime import timedelta

    from django.utils import timezone

    from wagtail_dvt import conditional
    from wagtail_dvt.versions import ArticleChange

    earlier = timezone.now() - timedelta(hours=1)
    monkeypatch.setattr(conditional, "STARTED_AT", 0)
    ArticleChange.objects.update(changed_at=earlier)
    type(article).objects.filter(pk=article.pk).update(last_published_at=earlier)
    article.refresh_from_db()
    return article


def last_modified(client, url):
    """GET ``url`` twice (the first sets the reader's cookies); Last-Modified."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["Last-Modified"]


def since(client, url, moment, **headers):
    return client.get(url, HTTP_IF_MODIFIED_SINCE=moment, **headers)


@reads(READS)
def test_if_modified_since_answers_304_without_a_body(client, settled, url_of):
    url = url_of(settled)
    moment = last_modified(client, url)

    response = since(client, url, moment)

    assert response.status_code == 304
    assert response.content == b""
    assert response["Last-Modified"] == moment
    assert since(client, url, "Wed, 01 Jan 2020 00:00:00 GMT").status_code == 200
    assert since(client, url, "not a date").status_code == 200


def answer_a_reply(article):
    parent = Comment.objects.filter(page=article, status=APPROVED).first()
    reply = Comment.objects.create(
        page=article, parent=parent, author_name="Replier", body="A reply."
    )
    reply.status = APPROVED  # The parent's reply_count goes up.
    reply.save()


def moderate_in_bulk(article):
    # As the admin's bulk actions do: an UPDATE, which sends no signal.
    Comment.objects.filter(page=article, status=PENDING).update(status=APPROVED)


@reads(READS)
@pytest.mark.parametrize(
    "change",
    [*CHANGES, answer_a_reply, moderate_in_bulk],
    ids=[c.__name__ for c in [*CHANGES, answer_a_reply, moderate_in_bulk]],
)
def test_no_stale_304_on_if_modified_since_after_a_change(
    client, settled, url_of, change
):
    url = url_of(settled)
    moment = last_modified(client, url)

    if change is post_comment:
        change(settled, client)
    else:
        change(settled)
    response = since(client, url, moment)

    assert response.status_code == 200
    assert response.get("Last-Modified") != moment


@reads(READS)
def test_a_deletion_moves_last_modified_though_no_comment_is_newer(
    client, settled, url_of
):
    # max(posted_at) would stay put: the newest comment is not the one deleted.
    url = url_of(settled)
    moment = last_modified(client, url)
    Comment.objects.filter(page=settled, status=APPROVED).first().delete()
    assert since(client, url, moment).status_code == 200


@reads(READS)
def test_if_none_match_takes_precedence_over_if_modified_since(client, settled, url_of):
    url = url_of(settled)
    moment = last_modified(client, url)
    tag = client.get(url)["ETag"]

    stale_tag = since(client, url, moment, HTTP_IF_NONE_MATCH='"old"')
    old_date = since(
        client, url, "Wed, 01 Jan 2020 00:00:00 GMT", HTTP_IF_NONE_MATCH=tag
    )

    assert stale_tag.status_code == 200
    assert old_date.status_code == 304


@reads(READS)
def test_no_last_modified_while_its_second_lasts(client, settled, url_of):
    # Another change within the same second would not move it; the ETag
    # still validates such a response. (A time past the clock stands for a
    # change this second.)
    from datetime import timedelta

    from django.utils import timezone

    from wagtail_dvt.versions import ArticleChange

    ArticleChange.objects.update(changed_at=timezone.now() + timedelta(hours=1))
    url = url_of(settled)
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert "Last-Modified" not in response.headers
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize(
    "url_of",
    [READS["v2 detail"], READS["v2 listing"]],
    ids=["v2 detail", "v2 listing"],
)
def test_head_works_where_get_does_in_v2(client, article, url_of):
    url = url_of(article)
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert client.head(url, HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


@reads(READS)
def test_vary_carries_accept_language_on_a_translated_site(
    client, article, url_of, settings
):
    settings.WAGTAIL_I18N_ENABLED = True
    assert "Accept-Language" in client.get(url_of(article))["Vary"]


@reads(API_READS)
def test_an_untranslated_site_does_not_vary_api_reads_by_language(
    client, article, url_of
):
    assert "Accept-Language" not in client.get(url_of(article)).get("Vary", "")


@needs_v3
def test_a_token_bearing_v3_read_is_left_to_wagtail(client, article):
    url = f"/api/v3/pages/{article.pk}/"
    tag = validated(client, url)
    response = client.get(url, HTTP_IF_NONE_MATCH=tag, HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code != 304
    assert "ETag" not in response.headers


@needs_v3
def test_a_v3_detail_of_a_private_article_is_never_revalidated(client, article):
    from wagtail.models import PageViewRestriction

    url = f"/api/v3/pages/{article.pk}/"
    tag = validated(client, url)
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    assert revalidate(client, url, tag).status_code == 404


@pytest.mark.parametrize(
    "url_of",
    [READS["v2 detail"], READS["v2 listing"]],
    ids=["v2 detail", "v2 listing"],
)
def test_a_304_builds_no_representation(client, article, url_of):
    """A 304 reads no more than the full answer: the validator is what the
    full answer reads anyway."""
    url = url_of(article)
    tag = validated(client, url)
    with CaptureQueriesContext(connection) as full:
        client.get(url)
    with CaptureQueriesContext(connection) as short:
        assert revalidate(client, url, tag).status_code == 304
    assert len(short) <= len(full)


@pytest.mark.parametrize(
    "url_of",
    [READS["v2 listing"], READS["v3 listing"]],
    ids=["v2 listing", "v3 listing"],
)
def test_a_view_restriction_revalidates_the_listings(client, settled, url_of):
    # Their 304s read no row: the restriction must move the article's time.
    from wagtail.models import PageViewRestriction

    url = url_of(settled)
    moment = last_modified(client, url)
    tag = client.get(url)["ETag"]
    PageViewRestriction.objects.create(
        page=settled, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    assert revalidate(client, url, tag).status_code == 200
    assert since(client, url, moment).status_code == 200


DETAIL_READS = {name: READS[name] for name in ("v2 detail", "v3 detail")}


@reads(DETAIL_READS)
def test_a_detail_304_is_one_query(client, article, url_of):
    # Not Wagtail's lookup (the Site, every view restriction, the page),
    # then the change time: one query answers whether the copy is current.
    url = url_of(article)
    tag = validated(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert revalidate(client, url, tag).status_code == 304
    assert len(queries) == 1


def unpublish(article):
    article.unpublish()


def restrict_its_parent(article):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(
        page=article.get_parent(),
        restriction_type=PageViewRestriction.PASSWORD,
        password="pw",
    )


def move_it(article):
    article.move(make_article(article.get_parent(), "A section"), "last-child")


def rename_the_site(article):
    site = article.get_site()
    site.hostname = "dvt.example"
    site.save()  # Still the default Site: it serves this host too.


@reads(DETAIL_READS)
@pytest.mark.parametrize(
    ("change", "status"),
    [
        (unpublish, 404),
        (restrict_its_parent, 404),
        (move_it, 200),
        (rename_the_site, 200),
    ],
    ids=["unpublish", "restrict its parent", "move it", "rename the site"],
)
def test_no_stale_304_once_the_page_moves_or_leaves_the_public(
    client, article, url_of, change, status
):
    url = url_of(article)
    tag = validated(client, url)

    change(article)
    response = revalidate(client, url, tag)

    assert response.status_code == status
    assert response.get("ETag") != tag


@reads(DETAIL_READS)
def test_another_host_never_revalidates_a_copy(client, article, url_of):
    url = url_of(article)
    tag = validated(client, url)
    response = client.get(url, HTTP_IF_NONE_MATCH=tag, HTTP_HOST="mirror.example")
    assert response.status_code == 200
    assert response["ETag"] != tag


@reads(DETAIL_READS)
def test_an_alias_detail_revalidates_with_its_source(client, article, url_of):
    alias = article.create_alias(update_slug="validated-alias")
    url = url_of(alias)
    tag = validated(client, url)
    assert revalidate(client, url, tag).status_code == 304

    approve(article)
    response = revalidate(client, url, tag)

    assert response.status_code == 200
    assert response["ETag"] != tag


def test_a_copy_seen_behind_a_login_is_not_revalidated_once_signed_out(
    client, article, django_user_model
):
    # The ETag does not name the reader: the restriction itself is checked.
    # (v2 shows a restricted page to a reader it accepts; v3 to none.)
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )
    client.force_login(django_user_model.objects.create_user("member"))
    url = READS["v2 detail"](article)
    tag = validated(client, url)
    assert revalidate(client, url, tag).status_code == 304

    client.logout()

    assert revalidate(client, url, tag).status_code == 404


@reads(READS)
def test_editing_a_site_moves_every_validator(client, article, url_of):
    url = url_of(article)
    tag = validated(client, url)

    rename_the_site(article)
    response = revalidate(client, url, tag)

    assert response.status_code == 200
    assert response["ETag"] != tag


@needs_v3
def test_the_middleware_leaves_other_v3_page_reads_alone(client, article):
    # Only the detail of an article gets validators: not the pages listing,
    # nor the detail of another page type.
    listing = client.get("/api/v3/pages/")
    home = client.get(f"/api/v3/pages/{article.get_parent().pk}/")
    assert listing.status_code == home.status_code == 200
    assert "ETag" not in listing.headers
    assert "ETag" not in home.headers
