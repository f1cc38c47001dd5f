"""Saving an article keeps Wagtail's reference index, without reading comments.

Wagtail's own update walks every child relation of a saved page row by row;
the plugin's indexes the article with its reader comments left out, so a
draft save costs the same with 3 comments as with 300 (bench/page_editor.py
times it)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dvt_testing import make_article
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from wagtail_dvt.models import Comment, CommentStatus

COMMENT_TABLE = Comment._meta.db_table


def add_comments(page, count):
    Comment.objects.bulk_create(
        Comment(page=page, author_name=f"R{n}", body=f"B{n}", status="approved")
        for n in range(count)
    )


def comment_reads(queries):
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        and f'FROM "{COMMENT_TABLE}"' in query["sql"]
    ]


@pytest.fixture
def article(root_page):
    page = make_article(root_page, "Referenced")
    add_comments(page, 30)
    return page


def stale_reference(page):
    """A reference the page does not make: an update of its entries drops it."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale

    page_type = ContentType.objects.get_for_model(page)
    return ReferenceIndex.objects.create(
        content_type=page_type,
        base_content_type=ReferenceIndex._get_base_content_type(page),
        object_id=str(page.pk),
        to_content_type=ContentType.objects.get_for_model(Locale),
        to_object_id=str(Locale.objects.first().pk),
        model_path="stale",
        content_path="stale",
        content_path_hash=ReferenceIndex._get_content_path_hash("stale"),
    )


def test_saving_a_draft_reads_no_comment_and_updates_the_references(
    article, django_capture_on_commit_callbacks
):
    stale = stale_reference(article)
    article.title = "Referenced, edited"
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        article.save_revision()

    assert comment_reads(queries.captured_queries) == []
    # The article's entries were rebuilt (the stale one is gone)...
    assert not ReferenceIndex.objects.filter(pk=stale.pk).exists()
    # ...and every comment is still there.
    assert Comment.objects.filter(page=article).count() == 30


def test_a_save_with_updates_turned_off_leaves_the_index_alone(article):
    with disable_reference_index_auto_update():
        article.save()
        # Still off for the caller after the article's own save.
        Comment.objects.create(page=article, author_name="A", body="B")
    assert not ReferenceIndex.objects.exists()


def test_comments_are_out_of_the_reference_index(article):
    assert not ReferenceIndex.model_is_indexable(Comment, allow_child_models=True)
    assert Comment.objects.filter(status=CommentStatus.APPROVED).count() == 30
