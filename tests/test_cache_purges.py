"""Front-end cache purges and ``comments_changed`` when what an article shows
of its comments changes: moderation in the admin (single and bulk), edits,
deletions, posts published at once, and comments opened or closed.

Purges go through Wagtail's frontend_cache with a backend that records the
URLs; the signal is sent once per article, after the commit."""

from __future__ import annotations

import json
import math

import purge_recorder
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse
from dvt_testing import comment_edit_data, make_article
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus, get_article_model
from wagtail_dvt.signals import comments_changed

ArticlePage = get_article_model()

APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING


@pytest.fixture
def purged(settings):
    settings.WAGTAILFRONTENDCACHE = {
        "recorder": {"BACKEND": "purge_recorder.RecordingBackend"}
    }
    settings.WAGTAILAPI_BASE_URL = "https://cms.example.org"
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "API_COMMENTS": "open"}
    purge_recorder.PURGED.clear()
    yield purge_recorder.PURGED
    purge_recorder.PURGED.clear()


@pytest.fixture
def signalled():
    sent = []

    def record(sender, article, **kwargs):
        sent.append(article.pk)

    comments_changed.connect(record)
    yield sent
    comments_changed.disconnect(record)


def add_comment(page, name, status=PENDING):
    # bulk_create sends no signal: setting up a test purges nothing.
    [comment] = Comment.objects.bulk_create(
        [Comment(page=page, author_name=name, body=f"{name} says hi.", status=status)]
    )
    return Comment.objects.get(pk=comment.pk)


@pytest.fixture
def articles(root_page):
    return make_article(root_page, "First"), make_article(root_page, "Second")


@pytest.fixture
def moderator(client, django_user_model):
    user = django_user_model.objects.create_user("mod", "mod@example.com")
    group = Group.objects.create(name="Comment moderators (purge tests)")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="moderate_comment"),
    )
    user.groups.add(group)
    client.force_login(user)
    return user


def bulk(client, action, comments):
    url = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", action))
    ids = "&".join(f"id={comment.pk}" for comment in comments)
    return client.post(f"{url}?next=/admin/&{ids}")


def expected_urls(article):
    page_url = article.get_full_url()
    v2 = "https://cms.example.org/api/v2"
    # Comment pages: 50 a page, and one past the last.
    pages = max(1, math.ceil(article.comment_count / 50)) + 1
    urls = {
        page_url,
        *(f"{page_url}?comments_page={n}" for n in range(1, pages + 1)),
        f"{v2}/pages/{article.pk}/",
        f"{v2}/comments/?article={article.pk}",
    }
    if WAGTAIL_VERSION >= (8, 0):
        v3 = "https://cms.example.org/api/v3"
        urls |= {f"{v3}/pages/{article.pk}/", f"{v3}/comments/?article={article.pk}"}
    return urls


def test_bulk_approve_in_the_admin_purges_each_article_once(
    client,
    moderator,
    articles,
    purged,
    signalled,
    django_capture_on_commit_callbacks,
):
    first, second = articles
    comments = [add_comment(first, "Ann"), add_comment(first, "Bob")]
    comments.append(add_comment(second, "Cy"))
    assert purged == [] and signalled == []

    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(client, "approve", comments)

    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {APPROVED}
    assert sorted(signalled) == sorted([first.pk, second.pk])
    assert set(purged) == expected_urls(first) | expected_urls(second)
    assert len(purged) == len(set(purged))


def test_the_purged_comments_url_is_the_articles_comments_url(client, articles, purged):
    article = articles[0]
    detail = client.get(f"/api/v2/pages/{article.pk}/").json()
    assert detail["comments_url"] in expected_urls(article)


def test_nothing_purges_before_the_commit_or_after_a_rollback(
    articles, purged, signalled, django_capture_on_commit_callbacks
):
    comment = add_comment(articles[0], "Ann", APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                comment.status = CommentStatus.REJECTED
                comment.save()
                assert signalled == []
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert signalled == [] and purged == []

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            comment.status = CommentStatus.REJECTED
            comment.save()
    assert signalled == [articles[0].pk]


@pytest.mark.parametrize(
    "action,before,purges",
    [
        ("approve", PENDING, True),
        ("approve", APPROVED, False),
        ("reject", APPROVED, True),
        ("reject", PENDING, False),
        ("spam", APPROVED, True),
        ("delete", APPROVED, True),
        ("delete", CommentStatus.SPAM, False),
    ],
)
def test_bulk_actions_purge_only_when_the_article_shows_something_else(
    client,
    moderator,
    articles,
    purged,
    signalled,
    django_capture_on_commit_callbacks,
    action,
    before,
    purges,
):
    article = articles[0]
    comments = [add_comment(article, "Ann", before), add_comment(article, "Bo", before)]
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk(client, action, comments).status_code == 302
    assert signalled == ([article.pk] if purges else [])
    assert set(purged) == (expected_urls(article) if purges else set())


def test_editing_a_public_comment_in_the_admin_purges(
    client, moderator, articles, purged, signalled, django_capture_on_commit_callbacks
):
    comment = add_comment(articles[0], "Ann", APPROVED)
    url = reverse("wagtail_dvt_comments:edit", args=[comment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, comment_edit_data(comment, body="Edited by a moderator.")
        )
    assert response.status_code == 302
    assert Comment.objects.get().body == "Edited by a moderator."
    assert signalled == [articles[0].pk]
    assert set(purged) == expected_urls(articles[0])


def test_a_pending_post_purges_nothing_a_published_one_purges(
    client, articles, purged, signalled, settings, django_capture_on_commit_callbacks
):
    article = articles[0]

    def post(body, ip):
        data = {"article": article.pk, "author_name": "Nina", "body": body}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v2/comments/",
                json.dumps(data),
                content_type="application/json",
                REMOTE_ADDR=ip,
            )

    assert post("Pending one.", "198.51.100.1").status_code == 202
    assert signalled == [] and purged == []

    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "AUTO_APPROVE": True}
    assert post("Published one.", "198.51.100.2").status_code == 201
    assert signalled == [article.pk]
    assert set(purged) == expected_urls(article)


def test_closing_comments_on_publish_signals_and_purges_the_api(
    articles, purged, signalled, django_capture_on_commit_callbacks
):
    article = ArticlePage.objects.get(pk=articles[0].pk)
    article.comments_open = False
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision()  # a draft changes nothing shown
    assert signalled == []
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert signalled == [article.pk]
    assert set(purged) >= expected_urls(article)

    signalled.clear()
    purged.clear()
    article.title = "Retitled"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert signalled == []  # comments stayed closed
    # Any publish changes the API's copies: they are purged with the page's.
    assert set(purged) >= expected_urls(article) - {article.get_full_url()}


def test_a_failing_receiver_does_not_fail_the_moderator(
    client, moderator, articles, purged, signalled, django_capture_on_commit_callbacks
):
    def broken(sender, article, **kwargs):
        raise ConnectionError("webhook down")

    comments_changed.connect(broken)
    try:
        comment = add_comment(articles[0], "Ann")
        with django_capture_on_commit_callbacks(execute=True):
            assert bulk(client, "approve", [comment]).status_code == 302
    finally:
        comments_changed.disconnect(broken)
    assert Comment.objects.get().status == APPROVED
    assert signalled == [articles[0].pk]
    assert set(purged) == expected_urls(articles[0])


def test_a_reimport_that_adds_comments_purges_its_article(
    root_page, purged, signalled, django_capture_on_commit_callbacks
):
    from wagtail_dvt.importer import import_document
    from wagtail_dvt.tombstones import DeletedComment

    with django_capture_on_commit_callbacks(execute=True):
        result = import_document(parent=root_page)
        first = Comment.objects.filter(page_id=result.page_id).order_by("pk")[0]
        first.delete()
        # Forget the deletion, as a site does to let a re-import restore it.
        DeletedComment.objects.filter(page_id=result.page_id).delete()
    purged.clear()
    signalled.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = import_document(parent=root_page)

    assert again.page_id == result.page_id
    assert signalled == [result.page_id]
    assert set(purged) == expected_urls(ArticlePage.objects.get(pk=result.page_id))


@pytest.fixture
def tagged(settings):
    settings.WAGTAILFRONTENDCACHE = {
        "tags": {"BACKEND": "purge_recorder.TagRecordingBackend"},
        "prefixes": {"BACKEND": "purge_recorder.PrefixRecordingBackend"},
    }
    settings.WAGTAILAPI_BASE_URL = "https://cms.example.org"
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False}
    for recorded in (
        purge_recorder.PURGED,
        purge_recorder.TAGS,
        purge_recorder.PREFIXES,
    ):
        recorded.clear()
    yield
    for recorded in (
        purge_recorder.PURGED,
        purge_recorder.TAGS,
        purge_recorder.PREFIXES,
    ):
        recorded.clear()


def test_every_cached_listing_of_the_article_is_purged_by_tag_or_prefix(
    client, articles, tagged, django_capture_on_commit_callbacks
):
    """A generated client's query string is never listed; the tag its
    response carries, and the path it lies under, are purged."""
    article = articles[0]
    queries = [
        f"?article={article.pk}&order=posted_at&limit=20&offset=0",
        f"?limit=5&article={article.pk}",
    ]
    listings = ["/api/v2/comments/"]
    if WAGTAIL_VERSION >= (8, 0):
        listings.append("/api/v3/comments/")
    served_tags = set()
    for listing in listings:
        for query in queries:
            response = client.get(listing + query)
            assert response.status_code == 200
            served_tags |= set(response["Cache-Tag"].split(","))
    detail_tags = client.get(f"/api/v2/pages/{article.pk}/")["Cache-Tag"]
    served_tags |= set(detail_tags.split(","))

    comment = add_comment(article, "Ann")
    with django_capture_on_commit_callbacks(execute=True):
        comment.status = APPROVED
        comment.save()

    assert served_tags <= set(purge_recorder.TAGS)
    for listing in listings:
        prefix = f"https://cms.example.org{listing}"
        assert prefix in purge_recorder.PREFIXES
        for query in queries:
            assert (listing + query).startswith(
                prefix.removeprefix("https://cms.example.org")
            )
    # Both backends get the URLs they can list as well.
    assert set(purge_recorder.PURGED) >= expected_urls(article)
