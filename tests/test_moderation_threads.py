"""Threads in the moderation views: "In reply to", the replies of one comment,
and deleting a comment that has replies, through the admin's own requests."""

import pytest
from django.urls import reverse
from test_moderation_admin import (
    add_comment,
    admin_user,
    bulk_url,
    listing,
    make_article,
)

from wagtail_dvt.models import Comment, CommentStatus
from wagtail_dvt.tombstones import DeletedComment

APPROVED = CommentStatus.APPROVED


@pytest.fixture
def moderator(client, django_user_model):
    client.force_login(admin_user(django_user_model, "moderator", moderate=True))


@pytest.fixture
def thread(root_page):
    article = make_article(root_page, "Clots explained")
    top = add_comment(
        article, "Naomi Ho", status=APPROVED, body="Walk every day.", email="n@x.org"
    )
    reply = add_comment(article, "Ann", status=APPROVED, body="Solid!", parent=top)
    other = add_comment(article, "Cy", status=APPROVED, body="Unrelated.")
    return top, reply, other


def test_the_listing_shows_in_reply_to_with_an_excerpt_and_link(
    client, moderator, thread
):
    top, reply, _other = thread

    html = listing(client).content.decode()

    edit_top = reverse("wagtail_dvt_comments:edit", args=[top.pk])
    assert f'In reply to <a href="{edit_top}">Naomi Ho</a>' in html
    assert "<q>Walk every day.</q>" in html


def test_the_listing_costs_no_query_per_reply(client, moderator, thread):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    top = thread[0]
    with CaptureQueriesContext(connection) as few:
        listing(client)
    for n in range(10):
        add_comment(top.page, f"R{n}", status=APPROVED, parent=top)
    with CaptureQueriesContext(connection) as many:
        listing(client)
    assert len(many) == len(few)


def test_moderators_list_the_replies_to_one_comment(client, moderator, thread):
    top, reply, other = thread

    html = listing(client, parent=top.pk).content.decode()

    edit = reverse("wagtail_dvt_comments:edit", args=[reply.pk])
    assert edit in html
    assert reverse("wagtail_dvt_comments:edit", args=[other.pk]) not in html


def test_the_edit_view_shows_the_thread(client, moderator, thread):
    top, reply, _other = thread

    reply_html = client.get(
        reverse("wagtail_dvt_comments:edit", args=[reply.pk])
    ).content.decode()
    top_html = client.get(
        reverse("wagtail_dvt_comments:edit", args=[top.pk])
    ).content.decode()

    assert "In reply to" in reply_html and "Naomi Ho" in reply_html
    assert f"?parent={top.pk}" in top_html
    assert "See its 1 reply" in top_html


def test_editors_cannot_list_replies(db, thread, django_user_model):
    from django.test import Client

    editor = Client()
    editor.force_login(admin_user(django_user_model, "editor", moderate=False))
    response = editor.get(reverse("wagtail_dvt_comments:list"), {"parent": 1})
    assert response.status_code in (302, 403)


def test_the_admin_delete_keeps_a_placeholder_for_a_comment_with_replies(
    client, moderator, thread
):
    top, reply, _other = thread

    response = client.post(reverse("wagtail_dvt_comments:delete", args=[top.pk]))

    assert response.status_code == 302
    placeholder = Comment.objects.get(pk=top.pk)
    assert placeholder.removed
    assert placeholder.author_name == placeholder.body == placeholder.email == ""
    assert Comment.objects.get(pk=reply.pk).status == APPROVED
    assert DeletedComment.objects.count() == 1
    # The placeholder is gone from the listing: nothing is left to moderate.
    edit = reverse("wagtail_dvt_comments:edit", args=[top.pk])
    assert edit not in listing(client).content.decode()


def test_the_bulk_delete_of_a_whole_thread_deletes_it_outright(
    client, moderator, thread
):
    top, reply, _other = thread

    response = client.post(bulk_url("delete", [reply, top]))

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=reply.pk).exists()
    # Deleted in one go, the parent has no reply left to keep: deleted too.
    assert not Comment.objects.filter(pk=top.pk).exists()
    assert DeletedComment.objects.count() == 2


def test_rejecting_a_parent_keeps_its_replies_for_readers(client, moderator, thread):
    top, reply, _other = thread

    response = client.post(bulk_url("reject", [top]))

    assert response.status_code == 302
    assert Comment.objects.get(pk=top.pk).status == CommentStatus.REJECTED
    client.logout()
    html = client.get(top.page.url).content.decode()
    assert "This comment was removed." in html
    assert f'id="comment-{reply.pk}"' in html
    assert "Walk every day." not in html
