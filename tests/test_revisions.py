"""Reader comments live outside page revisions.

Publishing a stale draft, reverting, unpublishing and republishing, and
copying never delete a visitor's comment and never bring back a deleted one
(wagtail#10405, #13701, #14615); comment edits in the page editor take effect
at once, as Wagtail's own editor comments do.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

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


# -- the page editor's InlinePanel ------------------------------------------


def comment_form(comment, **changes):
    form = {
        "id": comment.pk,
        "author_name": comment.author_name,
        "body": comment.body,
        "status": comment.status,
        "posted_at": timezone.localtime(comment.posted_at).strftime("%Y-%m-%d %H:%M"),
    }
    form.update(changes)
    return form


def edit_data(page, existing, new=(), **extra):
    """The page editor's POST data, with the given comment forms."""
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "author": page.author,
            "date": page.date.isoformat(),
            "body": streamfield(
                [("section", {"heading": "Intro", "content": "Clots form."})]
            ),
            "comments_open": "on",
            "reader_comments": inline_formset([*existing, *new], initial=len(existing)),
            "comments": inline_formset([]),
            **extra,
        }
    )


def edit(admin_client, page, existing, new=(), **extra):
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    return admin_client.post(url, edit_data(page, existing, new, **extra))


def test_the_editor_shows_the_comments(admin_client, article):
    url = reverse("wagtailadmin_pages:edit", args=[article.pk])
    html = admin_client.get(url).content.decode()
    assert 'value="Kept"' in html
    assert 'value="Deleted"' in html


def test_comment_edits_in_a_draft_take_effect_at_once(admin_client, article):
    kept = Comment.objects.get(author_name="Kept")
    deleted = Comment.objects.get(author_name="Deleted")

    response = edit(
        admin_client,
        article,
        [
            comment_form(kept, body="Kept, edited", status=CommentStatus.REJECTED),
            comment_form(deleted, DELETE="1"),
        ],
        new=[
            {
                "author_name": "Added by editor",
                "body": "Hello",
                "status": CommentStatus.APPROVED,
                "posted_at": "2024-03-02 10:00",
            }
        ],
        title="Draft title",
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Version one"  # a draft: the page itself is unchanged
    assert article.has_unpublished_changes
    kept.refresh_from_db()
    assert (kept.body, kept.status) == ("Kept, edited", CommentStatus.REJECTED)
    assert authors(article) == {"Kept", "Added by editor"}

    # Publishing that draft later changes nothing about the comments.
    visitor_comment(article)
    article.get_latest_revision().publish()
    article.refresh_from_db()
    assert article.title == "Draft title"
    assert authors(article) == {"Kept", "Added by editor", "Visitor"}


def test_comment_edits_when_publishing(admin_client, article):
    deleted = Comment.objects.get(author_name="Deleted")
    kept = Comment.objects.get(author_name="Kept")
    response = edit(
        admin_client,
        article,
        [comment_form(kept), comment_form(deleted, DELETE="1")],
        **{"action-publish": "action-publish"},
    )
    assert response.status_code == 302
    assert authors(article) == {"Kept"}
    assert not ArticlePage.objects.get(pk=article.pk).has_unpublished_changes


def test_a_comment_posted_while_the_editor_is_open_survives(admin_client, article):
    kept = Comment.objects.get(author_name="Kept")
    deleted = Comment.objects.get(author_name="Deleted")
    loaded = [comment_form(kept), comment_form(deleted)]  # the form as loaded

    visitor_comment(article)
    response = edit(admin_client, article, loaded)

    assert response.status_code == 302
    assert authors(article) == {"Kept", "Deleted", "Visitor"}


def test_a_comment_deleted_while_the_editor_is_open_stays_deleted(
    admin_client, article
):
    kept = Comment.objects.get(author_name="Kept")
    deleted = Comment.objects.get(author_name="Deleted")
    loaded = [comment_form(kept, body="Kept, edited"), comment_form(deleted, body="Hm")]

    deleted.delete()
    response = edit(admin_client, article, loaded)

    # The editor's other changes are saved; the deleted comment stays deleted.
    assert response.status_code == 302
    assert authors(article) == {"Kept"}
    assert Comment.objects.get(author_name="Kept").body == "Kept, edited"
