"""Reader comments live outside page revisions.

Publishing a stale draft, reverting, unpublishing and republishing, and
copying never delete a visitor's comment and never bring back a deleted one
(wagtail#10405, #13701, #14615); saving the page editor's form, however stale,
touches no comment.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from dvt_testing import comment_rows, editor_form_data, forged_comment_fields

from wagtail_dvt.comments.admission import submit_comment
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()


def make_article(parent, title="Version one"):
    page = ArticlePage(
        title=title, author="Dr. Vein", date=datetime.date(2024, 3, 1), body=[]
    )
    parent.add_child(instance=page)
    return page


def authors(page):
    return set(
        Comment.objects.filter(page_id=page.pk).values_list("author_name", flat=True)
    )


def visitor_comment(page, name="Visitor"):
    return submit_comment(
        page, author_name=name, body=f"{name} was here", ip_address="192.0.2.1"
    )


@pytest.fixture
def article(root_page):
    """A live article with comments "Kept" and "Deleted", and one revision."""
    page = make_article(root_page)
    for name in ("Kept", "Deleted"):
        Comment.objects.create(
            page=page, author_name=name, body=name, status=CommentStatus.APPROVED
        )
    page.save_revision().publish()
    return ArticlePage.objects.get(pk=page.pk)


def test_revisions_do_not_store_comments(article):
    assert "reader_comments" not in article.get_latest_revision().content


def test_publishing_a_stale_draft(article):
    draft = article.get_latest_revision_as_object()
    draft.title = "Version two"
    stale = draft.save_revision()

    visitor_comment(article)
    Comment.objects.get(author_name="Deleted").delete()
    stale.publish()

    article.refresh_from_db()
    assert article.title == "Version two"
    assert authors(article) == {"Kept", "Visitor"}


def test_reverting_to_the_first_revision(article):
    first = article.get_latest_revision()
    later = article.get_latest_revision_as_object()
    later.title = "Version two"
    later.save_revision().publish()

    visitor_comment(article)
    Comment.objects.get(author_name="Deleted").delete()
    # As the admin's "Revert" does: a new revision from the old content.
    first.as_object().save_revision(previous_revision=first).publish()

    article.refresh_from_db()
    assert article.title == "Version one"
    assert authors(article) == {"Kept", "Visitor"}


def test_the_revert_screen_shows_the_live_comments(admin_client, article):
    first = article.get_latest_revision()
    visitor_comment(article)
    Comment.objects.get(author_name="Deleted").delete()

    url = reverse("wagtailadmin_pages:revisions_revert", args=[article.pk, first.pk])
    html = admin_client.get(url).content.decode()
    assert "Visitor was here" in html
    assert 'value="Deleted"' not in html


def test_unpublishing_and_republishing(article):
    article.unpublish()
    Comment.objects.get(author_name="Deleted").delete()
    Comment.objects.create(page=article, author_name="Moderator", body="Noted")

    article.get_latest_revision().publish()

    article.refresh_from_db()
    assert article.live
    assert authors(article) == {"Kept", "Moderator"}


def test_a_revision_saved_with_comments_cannot_restore_them(article):
    # Revisions saved before comments were kept out of them still hold some.
    revision = article.get_latest_revision()
    deleted = Comment.objects.get(author_name="Deleted")
    revision.content["reader_comments"] = [
        {
            "pk": deleted.pk,
            "page": article.pk,
            "author_name": "Deleted",
            "body": "Deleted",
            "posted_at": timezone.now().isoformat(),
            "status": "approved",
        }
    ]
    revision.save()
    visitor_comment(article)
    deleted.delete()

    revision.publish()

    assert authors(article) == {"Kept", "Visitor"}
    assert "reader_comments" not in revision.as_object().serializable_data()


def test_copies_start_without_comments(article, root_page):
    copy = article.copy(
        to=root_page,
        update_attrs={"title": "Copy", "slug": "copy"},
        copy_revisions=True,
        keep_live=True,
    )
    assert authors(copy) == set()

    copy.get_latest_revision().publish()
    visitor_comment(copy, "On the copy")

    assert authors(copy) == {"On the copy"}
    assert authors(article) == {"Kept", "Deleted"}


# -- the page editor ---------------------------------------------------------


def edit(client, page, data):
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def test_the_editor_lists_the_comments_read_only(admin_client, article):
    url = reverse("wagtailadmin_pages:edit", args=[article.pk])
    html = admin_client.get(url).content.decode()
    assert "Kept" in html
    assert "Deleted" in html
    assert 'name="reader_comments-' not in html


def test_saving_a_draft_touches_no_comment(admin_client, article):
    before = comment_rows()

    data = editor_form_data(article, title="Draft title")
    response = edit(admin_client, article, data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Version one"  # a draft: the page itself is unchanged
    assert article.has_unpublished_changes
    assert comment_rows() == before

    # Publishing that draft later changes nothing about the comments either.
    visitor_comment(article)
    article.get_latest_revision().publish()
    article.refresh_from_db()
    assert article.title == "Draft title"
    assert authors(article) == {"Kept", "Deleted", "Visitor"}


def test_comment_fields_posted_with_a_draft_are_ignored(admin_client, article):
    before = comment_rows()
    data = editor_form_data(article)
    data.update(
        forged_comment_fields(
            article,
            change={"Kept": {"body": "Kept, edited", "status": CommentStatus.SPAM}},
            delete={"Deleted"},
            new=[
                {
                    "author_name": "Added by editor",
                    "body": "Hello",
                    "status": CommentStatus.APPROVED,
                    "posted_at": "2024-03-02 10:00",
                }
            ],
        )
    )

    response = edit(admin_client, article, data)

    assert response.status_code == 302
    assert comment_rows() == before


def test_a_comment_posted_while_the_editor_is_open_survives(admin_client, article):
    loaded = editor_form_data(article)  # the form as loaded
    loaded.update(forged_comment_fields(article))

    visitor_comment(article)
    response = edit(admin_client, article, {**loaded, "action-publish": "publish"})

    assert response.status_code == 302
    assert authors(article) == {"Kept", "Deleted", "Visitor"}


def test_a_comment_deleted_while_the_editor_is_open_stays_deleted(
    admin_client, article
):
    loaded = editor_form_data(article, title="Edited title")
    loaded.update(forged_comment_fields(article))

    Comment.objects.get(author_name="Deleted").delete()
    response = edit(admin_client, article, {**loaded, "action-publish": "publish"})

    # The editor's changes are saved; the deleted comment stays deleted.
    assert response.status_code == 302
    assert ArticlePage.objects.get(pk=article.pk).title == "Edited title"
    assert authors(article) == {"Kept"}


def test_serializing_reads_no_comment_and_leaves_the_relation_alone(article):
    page = ArticlePage.objects.get(pk=article.pk)
    with CaptureQueriesContext(connection) as queries:
        data = page.serializable_data()
    assert "reader_comments" not in data
    assert not [q for q in queries if "wagtail_dvt_comment" in q["sql"]]

    # Nothing is left in memory for save_revision() to commit over the table.
    page.save_revision()
    assert authors(article) == {"Kept", "Deleted"}

    # Comments a caller put in memory stay there, and are committed as before.
    page.reader_comments = [Comment(author_name="In memory", body="Hi")]
    page.serializable_data()
    page.save_revision()
    assert authors(article) == {"In memory"}
