"""Moderating reader comments in the Wagtail admin."""

import datetime
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from dvt_testing import (
    comment_edit_data,
    comment_rows,
    editor_form_data,
    forged_comment_fields,
)

from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()

XSS = '<script>alert("x")</script>'
LIST_URL = "wagtail_dvt_comments:list"


def make_article(parent, title):
    page = ArticlePage(
        title=title, author="Dr. Vein", date=datetime.date(2024, 3, 1), body=[]
    )
    parent.add_child(instance=page)
    return page


def add_comment(page, author_name, status=CommentStatus.PENDING, **fields):
    return Comment.objects.create(
        page=page, author_name=author_name, status=status, **fields
    )


@pytest.fixture
def articles(root_page):
    return make_article(root_page, "Clots explained"), make_article(root_page, "Stents")


@pytest.fixture
def comments(articles):
    clots, stents = articles
    now = timezone.now()
    return {
        "pending": add_comment(
            clots,
            "Ann",
            body="Does this hurt?",
            email="ann@example.com",
            ip_address="192.0.2.10",
            user_agent="AnnBrowser/1",
            posted_at=now,
        ),
        "approved": add_comment(
            clots,
            "Bob",
            CommentStatus.APPROVED,
            body="Great article",
            posted_at=now - timedelta(days=10),
        ),
        "spam": add_comment(
            stents,
            "Casino",
            CommentStatus.SPAM,
            body="Win big",
            posted_at=now - timedelta(days=40),
        ),
        "other_pending": add_comment(
            stents, "Cy", body="What about stents?", posted_at=now
        ),
    }


def admin_user(django_user_model, username, *, moderate):
    user = django_user_model.objects.create_user(username, f"{username}@example.com")
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(
        Permission.objects.get(
            codename="access_admin", content_type__app_label="wagtailadmin"
        )
    )
    if moderate:
        group.permissions.add(
            Permission.objects.get(
                codename="moderate_comment", content_type__app_label="wagtail_dvt"
            )
        )
    user.groups.add(group)
    return user


@pytest.fixture
def moderator(client, django_user_model):
    user = admin_user(django_user_model, "moderator", moderate=True)
    client.force_login(user)
    return user


@pytest.fixture
def editor_client(db, django_user_model):
    from django.test import Client

    client = Client()
    client.force_login(admin_user(django_user_model, "editor", moderate=False))
    return client


def listing(client, **params):
    return client.get(reverse(LIST_URL), params)


def bulk_url(action, comments, next_url="/admin/"):
    ids = "&".join(f"id={comment.pk}" for comment in comments)
    url = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", action))
    return f"{url}?next={next_url}&{ids}"


# -- access -----------------------------------------------------------------


def test_the_menu_shows_comments_to_moderators_only(client, moderator, editor_client):
    assert (
        "reader-comments" in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    editor_home = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "reader-comments" not in editor_home


def test_the_listing_is_for_moderators_only(editor_client, comments):
    response = editor_client.get(reverse(LIST_URL))
    assert response.status_code in (302, 403)
    assert "Does this hurt?" not in response.content.decode()


def test_nobody_adds_comments_in_the_admin(admin_client, comments):
    html = admin_client.get(reverse(LIST_URL)).content.decode()
    add_url = reverse("wagtail_dvt_comments:add")
    assert add_url not in html
    assert admin_client.get(add_url).status_code in (302, 403)


# -- the listing ------------------------------------------------------------


def test_the_listing_shows_all_comments_across_articles(client, moderator, comments):
    html = listing(client).content.decode()
    for comment in comments.values():
        assert comment.excerpt() in html
    assert "Clots explained" in html
    assert "Stents" in html


def test_email_and_ip_are_shown_to_moderators(client, moderator, comments):
    html = listing(client).content.decode()
    assert "ann@example.com" in html
    assert "192.0.2.10" in html

    inspect = reverse("wagtail_dvt_comments:inspect", args=[comments["pending"].pk])
    html = client.get(inspect).content.decode()
    assert "ann@example.com" in html
    assert "192.0.2.10" in html
    assert "AnnBrowser/1" in html


def test_filter_by_status(client, moderator, comments):
    html = listing(client, status="pending").content.decode()
    assert "Does this hurt?" in html
    assert "What about stents?" in html
    assert "Great article" not in html
    assert "Win big" not in html


def test_filter_by_article(client, moderator, comments, articles):
    html = listing(client, page=articles[1].pk).content.decode()
    assert "Win big" in html
    assert "What about stents?" in html
    assert "Does this hurt?" not in html


def test_filter_by_date(client, moderator, comments):
    since = (timezone.now() - timedelta(days=20)).date().isoformat()
    html = listing(client, posted_at_from=since).content.decode()
    assert "Great article" in html
    assert "Win big" not in html


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("hurt", "Does this hurt?", "Great article"),
        ("casino", "Win big", "Does this hurt?"),
        ("ann@example", "Does this hurt?", "Win big"),
        ("stents", "What about stents?", "Great article"),
    ],
)
def test_search(client, moderator, comments, query, found, not_found):
    html = listing(client, q=query).content.decode()
    assert found in html
    assert not_found not in html


def test_xss_in_every_field_is_escaped_in_the_admin(client, moderator, articles):
    comment = add_comment(
        articles[0],
        XSS,
        body=f"{XSS}\n<img src=x onerror=alert(1)>",
        email="x@example.com",
        user_agent=XSS,
    )
    for url in (
        reverse(LIST_URL),
        reverse("wagtail_dvt_comments:inspect", args=[comment.pk]),
        reverse("wagtail_dvt_comments:edit", args=[comment.pk]),
        bulk_url("approve", [comment]),
    ):
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


# -- editing and bulk actions ---------------------------------------------


def edit_url(comment):
    return reverse("wagtail_dvt_comments:edit", args=[comment.pk])


def open_edit_form(client, comment):
    """The edit form's fields as ``client`` opens it now, version included."""
    response = client.get(edit_url(comment))
    assert response.status_code == 200
    html = response.content.decode()
    (version,) = re.findall(
        r'<input type="hidden" name="version" value="([^"]*)"', html
    )
    comment.refresh_from_db()
    return {"body": comment.body, "status": comment.status, "version": version}


@pytest.fixture
def second_moderator(db, django_user_model):
    from django.test import Client

    client = Client()
    client.force_login(admin_user(django_user_model, "second", moderate=True))
    return client


def test_a_moderator_edits_a_comment(client, moderator, comments):
    comment = comments["pending"]
    form = open_edit_form(client, comment)
    form.update(body="Does this hurt? (edited)", status=CommentStatus.APPROVED)
    response = client.post(edit_url(comment), form)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.APPROVED
    assert comment.body == "Does this hurt? (edited)"
    assert comment.email == "ann@example.com"  # read-only, unchanged


REDACTED = "[removed by a moderator]"


def test_a_save_from_a_stale_form_is_refused_and_shows_what_changed(
    client, moderator, second_moderator, comments
):
    comment = comments["approved"]
    first = open_edit_form(client, comment)
    second = open_edit_form(second_moderator, comment)
    second.update(body=REDACTED, status=CommentStatus.SPAM)
    assert second_moderator.post(edit_url(comment), second).status_code == 302

    first["body"] = "Great article!"
    response = client.post(edit_url(comment), first)

    assert response.status_code == 200
    comment.refresh_from_db()
    assert (comment.body, comment.status) == (REDACTED, CommentStatus.SPAM)
    html = response.content.decode()
    assert "This comment was changed since you opened it." in html
    assert "The status is now “Spam”." in html
    assert f"The text now reads: “{REDACTED}”" in html
    assert "The name is now" not in html
    # Shown the changes, the moderator may save again on purpose.
    (version,) = re.findall(r'name="version" value="([^"]*)"', html)
    first["version"] = version
    assert client.post(edit_url(comment), first).status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("Great article!", CommentStatus.APPROVED)


@pytest.mark.parametrize("action", ["spam", "reject"])
def test_a_bulk_action_makes_an_open_form_stale(
    client, moderator, second_moderator, comments, action
):
    comment = comments["approved"]
    form = open_edit_form(client, comment)
    assert second_moderator.post(bulk_url(action, [comment])).status_code == 302
    status = Comment.objects.get(pk=comment.pk).status

    form["body"] = "Great article, edited"
    response = client.post(edit_url(comment), form)

    assert response.status_code == 200
    assert "The status is now" in response.content.decode()
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("Great article", status)


@pytest.mark.parametrize(
    "write",
    [
        {"author_name": "Erased reader"},  # what an erasure does
        {"status": CommentStatus.REJECTED},  # what a hide after reports does
        {"body": REDACTED},
    ],
    ids=["name", "status", "text"],
)
def test_any_write_to_the_moderated_fields_makes_an_open_form_stale(
    client, moderator, comments, write
):
    comment = comments["approved"]
    form = open_edit_form(client, comment)
    Comment.objects.filter(pk=comment.pk).update(**write)
    before = comment_rows(pk=comment.pk)

    form["status"] = CommentStatus.APPROVED
    response = client.post(edit_url(comment), form)

    assert response.status_code == 200
    assert comment_rows(pk=comment.pk) == before


def test_clearing_ip_addresses_leaves_an_open_form_current(client, moderator, comments):
    comment = comments["pending"]
    form = open_edit_form(client, comment)
    Comment.objects.filter(pk=comment.pk).update(ip_address=None)

    form["status"] = CommentStatus.APPROVED
    assert client.post(edit_url(comment), form).status_code == 302

    comment.refresh_from_db()
    assert comment.status == CommentStatus.APPROVED
    assert comment.ip_address is None  # the edit does not write back the old one


def test_a_save_without_the_version_is_refused(client, moderator, comments):
    comment = comments["pending"]
    data = comment_edit_data(comment, status=CommentStatus.APPROVED)
    del data["version"]
    assert client.post(edit_url(comment), data).status_code == 200
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PENDING


def test_bulk_approve(client, moderator, comments):
    selected = [comments["pending"], comments["other_pending"]]
    confirm = client.get(bulk_url("approve", selected))
    assert confirm.status_code == 200
    assert "Does this hurt?" in confirm.content.decode()
    assert "Yes, approve" in confirm.content.decode()

    response = client.post(bulk_url("approve", selected))

    assert response.status_code == 302
    statuses = dict(Comment.objects.values_list("author_name", "status"))
    assert statuses == {
        "Ann": CommentStatus.APPROVED,
        "Bob": CommentStatus.APPROVED,
        "Casino": CommentStatus.SPAM,
        "Cy": CommentStatus.APPROVED,
    }


@pytest.mark.parametrize(
    ("action", "status"),
    [("reject", CommentStatus.REJECTED), ("spam", CommentStatus.SPAM)],
)
def test_bulk_reject_and_spam(client, moderator, comments, action, status):
    client.post(bulk_url(action, [comments["pending"], comments["approved"]]))
    comments["pending"].refresh_from_db()
    comments["approved"].refresh_from_db()
    assert comments["pending"].status == status
    assert comments["approved"].status == status


def test_bulk_delete(client, moderator, comments):
    response = client.post(bulk_url("delete", [comments["spam"]]))
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comments["spam"].pk).exists()
    assert Comment.objects.count() == 3


def test_the_listing_offers_the_bulk_actions(client, moderator, comments):
    html = listing(client).content.decode()
    for action in ("approve", "reject", "spam", "delete"):
        url = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", action))
        assert url in html


@pytest.mark.parametrize("action", ["approve", "delete"])
def test_bulk_actions_need_the_moderation_permission(editor_client, comments, action):
    editor_client.post(bulk_url(action, [comments["pending"]]))
    comments["pending"].refresh_from_db()
    assert comments["pending"].status == CommentStatus.PENDING


# -- the dashboard ----------------------------------------------------------


def test_the_dashboard_counts_pending_comments(client, moderator, comments):
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "2 comments await moderation" in html
    assert f"{reverse(LIST_URL)}?status=pending" in html


def test_the_dashboard_says_when_nothing_waits(client, moderator, articles):
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "No comments await moderation." in html


def test_the_dashboard_panel_is_for_moderators_only(editor_client, comments):
    html = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "await moderation" not in html


# -- the page editor --------------------------------------------------------


def test_the_page_editor_shows_the_comments_without_private_fields(
    admin_client, comments, articles
):
    url = reverse("wagtailadmin_pages:edit", args=[articles[0].pk])
    html = admin_client.get(url).content.decode()
    assert "Does this hurt?" in html
    assert "Great article" in html
    assert "ann@example.com" not in html
    assert "192.0.2.10" not in html


# -- review fixes: select all, the chooser, the page editor ----------------------


def select_all_url(action, **filters):
    url = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", action))
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{url}?next=/admin/&id=all&{query}"


def test_select_all_approves_only_what_the_filtered_listing_shows(
    client, moderator, comments
):
    client.post(select_all_url("approve", status=CommentStatus.PENDING))

    statuses = dict(Comment.objects.values_list("author_name", "status"))
    assert statuses["Ann"] == statuses["Cy"] == CommentStatus.APPROVED
    assert statuses["Casino"] == CommentStatus.SPAM


def test_select_all_follows_the_search_too(client, moderator, comments):
    client.post(select_all_url("spam", q="stents"))

    statuses = dict(Comment.objects.values_list("author_name", "status"))
    assert statuses["Cy"] == CommentStatus.SPAM
    assert statuses["Ann"] == CommentStatus.PENDING


def test_the_comment_chooser_is_closed_to_editors(editor_client, comments):
    url = reverse("wagtailsnippetchoosers_wagtail_dvt_comment:choose")
    response = editor_client.get(url)
    assert response.status_code in (302, 403)
    assert b"ann@example.com" not in response.content


def test_the_comment_chooser_opens_for_moderators(client, moderator, comments):
    url = reverse("wagtailsnippetchoosers_wagtail_dvt_comment:choose")
    assert client.get(url).status_code == 200


def test_editors_without_the_permission_cannot_set_a_status(
    editor_client, comments, articles
):
    from django.contrib.auth import get_permission_codename
    from wagtail.models import GroupPagePermission

    from wagtail_dvt.models import get_base_page_model

    Page = get_base_page_model()
    editor = editor_client.session["_auth_user_id"]
    group = Group.objects.get(user__pk=editor)
    for action in ("add", "change", "publish"):
        GroupPagePermission.objects.create(
            group=group,
            page=Page.objects.get(pk=articles[0].pk),
            permission=Permission.objects.get(
                codename=get_permission_codename(action, Page._meta)
            ),
        )
    page = articles[0]
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert b"Does this hurt?" not in editor_client.get(url).content
    before = comment_rows()
    data = editor_form_data(page, **{"action-publish": "publish"})
    data.update(
        forged_comment_fields(
            page,
            change={"Ann": {"status": CommentStatus.APPROVED}},
            new=[
                {
                    "author_name": "Planted",
                    "body": "Buy now",
                    "status": CommentStatus.APPROVED,
                    "posted_at": "2024-03-02 10:00",
                }
            ],
        )
    )

    response = editor_client.post(url, data)

    assert response.status_code == 302
    assert comment_rows() == before


def test_moderators_see_the_account_a_comment_was_posted_under(
    client, moderator, articles, django_user_model
):
    account = django_user_model.objects.create_user("signed-reader", "", "pw")
    signed = add_comment(articles[0], "Signed Reader", user=account)
    anonymous = add_comment(articles[0], "Anonymous Reader")

    for view in ("inspect", "edit"):
        url = reverse(f"wagtail_dvt_comments:{view}", args=[signed.pk])
        assert "signed-reader" in client.get(url).content.decode(), view
        url = reverse(f"wagtail_dvt_comments:{view}", args=[anonymous.pk])
        assert "signed-reader" not in client.get(url).content.decode(), view


def test_saving_the_edit_form_keeps_the_account(
    client, moderator, articles, django_user_model
):
    account = django_user_model.objects.create_user("signed-reader", "", "pw")
    comment = add_comment(articles[0], "Signed Reader", body="Before.", user=account)
    data = open_edit_form(client, comment)
    data.update(body="After.", user="")

    response = client.post(edit_url(comment), data)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.user) == ("After.", account)
