"""Threaded replies: admission, the reader page and removal, over HTTP."""

import json
import re
import time
from html import unescape
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dvt_testing import make_article

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.models import Comment, CommentStatus
from wagtail_dvt.tombstones import DeletedComment

APPROVED = CommentStatus.APPROVED
HIDDEN = [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED]


@pytest.fixture(autouse=True)
def no_flood(settings):
    settings.WAGTAIL_DVT = {"FLOOD_INTERVAL": 0, "AUTO_APPROVE": True}


@pytest.fixture
def article(root_page):
    return make_article(root_page)


def comment(article, name="Naomi Ho", parent=None, status=APPROVED, **fields):
    return Comment.objects.create(
        page=article,
        parent=parent,
        author_name=name,
        body=fields.pop("body", f"Said by {name}"),
        status=status,
        **fields,
    )


def token(page):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 5):
        return make_form_token(page)


def post_reply(client, page, parent_id, **fields):
    data = {
        "author_name": "Ann Reader",
        "email": "",
        "body": "That's a solid strategy!",
        "honeypot": "",
        "token": token(page),
        "parent": "" if parent_id is None else str(parent_id),
    }
    data.update(fields)
    return client.post(page.url + "comment/", data)


def text_of(response):
    return unescape(response.content.decode())


# -- the model ---------------------------------------------------------------


def test_a_comment_starts_a_thread_and_a_reply_joins_it(article):
    top = comment(article)
    reply = comment(article, "Ann", parent=top)
    deeper = comment(article, "Bo", parent=reply)

    top.refresh_from_db()
    deeper.refresh_from_db()
    # A top-level comment keeps the defaults: posting one writes nothing more.
    assert (top.thread_id, top.level, top.path) == (None, 0, "")
    assert (deeper.thread_id, deeper.level, deeper.parent_id) == (top.pk, 2, reply.pk)
    assert deeper.path == f"{reply.pk:012d}/{deeper.pk:012d}"


def test_a_top_level_comment_costs_no_query_more_than_before_threads(article):
    with CaptureQueriesContext(connection) as queries:
        comment(article)
    # The INSERT, and (for an approved comment, which readers see) the
    # article's change time that the reads validate with: nothing for threads.
    assert len(queries) == 2
    assert "wagtail_dvt_articlechange" in queries[1]["sql"]
    with CaptureQueriesContext(connection) as queries:
        comment(article, status=CommentStatus.PENDING)
    assert len(queries) == 1


def test_bulk_created_comments_are_placed_in_threads(article):
    [top] = Comment.objects.bulk_create(
        [Comment(page=article, author_name="A", body="a", status=APPROVED)]
    )
    [reply] = Comment.objects.bulk_create(
        [Comment(page=article, parent=top, author_name="B", body="b", status=APPROVED)]
    )
    reply.refresh_from_db()
    assert (reply.thread_id, reply.level) == (top.pk, 1)


# -- replying through the form ----------------------------------------------


def test_a_reader_replies_through_the_form(client, article):
    top = comment(article)

    response = post_reply(client, article, top.pk)

    assert response.status_code == 303
    reply = Comment.objects.get(author_name="Ann Reader")
    assert (reply.parent_id, reply.thread_id, reply.level) == (top.pk, top.pk, 1)


@pytest.mark.parametrize("status", HIDDEN)
def test_a_reply_to_a_hidden_comment_is_answered_as_to_a_missing_one(
    client, article, status
):
    hidden = comment(article, status=status)
    missing_pk = hidden.pk + 1000

    to_hidden = post_reply(client, article, hidden.pk)
    to_missing = post_reply(client, article, missing_pk)

    assert to_hidden.status_code == to_missing.status_code == 400
    message = "The comment you are replying to is not available."
    assert message in text_of(to_hidden)
    assert message in text_of(to_missing)
    assert not Comment.objects.filter(author_name="Ann Reader").exists()


def test_a_reply_to_a_deleted_comment_is_refused_as_missing(client, article):
    top = comment(article)
    comment(article, "Ann", parent=top)
    top.delete()  # stays as an empty placeholder: it has a reply

    response = post_reply(client, article, top.pk)

    assert response.status_code == 400
    assert "The comment you are replying to is not available." in text_of(response)
    assert Comment.objects.filter(author_name="Ann Reader").count() == 0


def test_a_reply_to_a_comment_on_another_article_is_refused(client, article, root_page):
    elsewhere = comment(make_article(root_page, title="Other"))

    response = post_reply(client, article, elsewhere.pk)

    assert response.status_code == 400
    assert "You can only reply to a comment on the same article." in text_of(response)
    assert not Comment.objects.filter(author_name="Ann Reader").exists()


def test_a_reply_deeper_than_the_maximum_is_refused(client, article, settings):
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "MAX_THREAD_DEPTH": 2}
    top = comment(article)
    reply = comment(article, "Ann", parent=top)

    response = post_reply(client, article, reply.pk)

    assert response.status_code == 400
    assert "This conversation cannot go any deeper." in text_of(response)
    assert not Comment.objects.filter(author_name="Ann Reader").exists()
    assert post_reply(client, article, top.pk).status_code == 303


def test_a_depth_of_one_keeps_comments_flat(client, article, settings):
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "MAX_THREAD_DEPTH": 1}
    top = comment(article)

    assert post_reply(client, article, top.pk).status_code == 400
    assert "?replyto=" not in client.get(article.url).content.decode()


def test_a_reply_goes_through_the_other_rules(client, article):
    top = comment(article)

    response = post_reply(client, article, top.pk, body="")

    assert response.status_code == 400
    assert not Comment.objects.filter(author_name="Ann Reader").exists()
    # The refused reply re-opens as a reply to the same comment.
    assert "Replying to Naomi Ho" in text_of(response)


# -- the reader page ---------------------------------------------------------


def test_replies_follow_their_parent_indented(client, article):
    first = comment(article, "First")
    second = comment(article, "Second")
    reply = comment(article, "Reply", parent=first)
    deeper = comment(article, "Deeper", parent=reply)

    html = client.get(article.url).content.decode()

    ids = re.findall(r'id="comment-(\d+)"', html)
    assert ids == [str(c.pk) for c in (first, reply, deeper, second)]
    assert f'dvt-comment-level-2" id="comment-{deeper.pk}"' in html


def test_every_visible_comment_above_the_maximum_has_a_reply_link(client, article):
    top = comment(article)
    reply = comment(article, "Ann", parent=top)
    deepest = comment(article, "Bo", parent=reply)

    html = client.get(article.url).content.decode()

    assert f"?replyto={top.pk}#comment-form" in html
    assert f"?replyto={reply.pk}#comment-form" in html
    assert f"?replyto={deepest.pk}#comment-form" not in html


def test_the_reply_link_opens_the_form_as_a_reply_without_javascript(client, article):
    top = comment(article)

    html = text_of(client.get(article.url, {"replyto": top.pk}))

    assert "Replying to Naomi Ho" in html
    assert f'name="parent" value="{top.pk}"' in html
    assert f'href="{article.url}#comment-form">Cancel reply' in html


@pytest.mark.parametrize("status", HIDDEN)
def test_a_reply_link_to_a_hidden_comment_opens_the_plain_form(client, article, status):
    hidden = comment(article, "Secret Name", status=status)

    html = text_of(client.get(article.url, {"replyto": hidden.pk}))

    assert "Replying to" not in html
    assert "Secret Name" not in html


def test_pages_count_threads_and_never_split_one(client, article, settings):
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "COMMENTS_PER_PAGE": 2}
    threads = [comment(article, f"Top {n}") for n in range(3)]
    replies = [comment(article, f"Reply {n}", parent=threads[1]) for n in range(4)]

    first = client.get(article.url).content.decode()
    second = client.get(article.url, {"comments_page": 2}).content.decode()

    for reply in replies:
        assert f'id="comment-{reply.pk}"' in first
        assert f'id="comment-{reply.pk}"' not in second
    assert f'id="comment-{threads[2].pk}"' in second
    assert "Comments (7)" in first


@pytest.mark.parametrize("status", [*HIDDEN, "deleted"])
def test_replies_stay_under_a_placeholder_that_shows_nothing_of_the_parent(
    client, article, status
):
    top = comment(article, "Parent Name", body="Parent text")
    reply = comment(article, "Ann", parent=top)
    if status == "deleted":
        top.delete()
    else:
        Comment.objects.filter(pk=top.pk).update(status=status)

    html = client.get(article.url).content.decode()

    assert "This comment was removed." in html
    assert "Parent Name" not in html and "Parent text" not in html
    ids = re.findall(r'id="comment-(\d+)"', html)
    assert ids == [str(top.pk), str(reply.pk)]
    assert f"?replyto={top.pk}" not in html


def test_a_hidden_comment_without_visible_replies_does_not_show(client, article):
    top = comment(article, "Parent Name", status=CommentStatus.PENDING)
    comment(article, "Ann", parent=top, status=CommentStatus.PENDING)

    html = client.get(article.url).content.decode()

    assert "This comment was removed." not in html
    assert "No comments yet." in html


def test_the_etag_changes_when_a_reply_is_approved(client, article):
    top = comment(article)
    reply = comment(article, "Ann", parent=top, status=CommentStatus.PENDING)
    etag = client.get(article.url)["ETag"]

    Comment.objects.filter(pk=reply.pk).update(status=APPROVED)

    assert client.get(article.url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# -- removal -----------------------------------------------------------------


def test_deleting_a_comment_with_replies_keeps_an_empty_placeholder(article):
    top = comment(
        article,
        email="naomi@example.com",
        ip_address="192.0.2.1",
        user_agent="Agent/1.0",
    )
    reply = comment(article, "Ann", parent=top)

    top.delete()

    row = Comment.objects.get(pk=top.pk)
    assert row.removed and row.status != APPROVED
    assert (row.author_name, row.body, row.email) == ("", "", "")
    assert (row.ip_address, row.user_agent, row.entry_fingerprint) == (None, "", "")
    assert Comment.objects.get(pk=reply.pk).parent_id == top.pk
    assert DeletedComment.objects.filter(page=article).count() == 1


def test_deleting_a_comment_without_replies_deletes_it_with_its_tombstone(article):
    top = comment(article)
    leaf = comment(article, "Ann", parent=top)

    Comment.objects.filter(pk=leaf.pk).delete()

    assert not Comment.objects.filter(pk=leaf.pk).exists()
    assert Comment.objects.get(pk=top.pk).author_name == "Naomi Ho"
    assert DeletedComment.objects.filter(page=article).count() == 1


# -- cost --------------------------------------------------------------------


def threaded_article(article, count):
    """``count`` approved comments, 40% of them replies, up to depth 3."""
    made = []
    for n in range(count):
        parent = made[n - 1] if n % 5 in (1, 2) else None
        made.append(
            Comment(
                page=article,
                parent=parent,
                level=parent.level + 1 if parent else 0,
                author_name=f"R{n}",
                body=f"b{n}",
                status=APPROVED,
            )
        )
    for level in range(3):  # parents are saved before their replies
        Comment.objects.bulk_create([c for c in made if c.level == level])
    return made


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_20_and_2000_comments(
    client, article, root_page
):
    small = make_article(root_page, title="Small")
    threaded_article(small, 20)
    threaded_article(article, 2000)
    replies = Comment.objects.filter(page=article, level__gt=0).count()
    assert 0.3 < replies / 2000 < 0.5
    assert Comment.objects.filter(page=article, level=2).exists()

    page_queries(client, small.url)  # warm the site and page caches
    assert page_queries(client, article.url) == page_queries(client, small.url)


def test_structured_data_names_parents_and_leaves_placeholders_out(client, article):
    top = comment(article, "Parent Name")
    reply = comment(article, "Ann", parent=top)
    Comment.objects.filter(pk=top.pk).update(status=CommentStatus.REJECTED)

    html = client.get(article.url).content.decode()
    start = html.index('type="application/ld+json">') + len(
        'type="application/ld+json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])

    [item] = data["comment"]
    assert item["@id"].endswith(f"#comment-{reply.pk}")
    assert item["parentItem"]["@id"].endswith(f"#comment-{top.pk}")
    assert "Parent Name" not in json.dumps(data)


def test_the_apis_structured_data_names_parents_as_the_page_does(client, article):
    from wagtail import VERSION as WAGTAIL_VERSION

    top = comment(article)
    reply = comment(article, "Ann", parent=top)
    html = client.get(article.url).content.decode()
    start = html.index('type="application/ld+json">') + len(
        'type="application/ld+json">'
    )
    page = json.loads(html[start : html.index("</script>", start)])
    reads = [(f"/api/v2/pages/{article.pk}/", {"fields": "structured_data"})]
    if WAGTAIL_VERSION >= (8, 0):
        reads.append((f"/api/v3/pages/{article.pk}/", {}))

    for url, params in reads:
        data = client.get(url, params).json()["structured_data"]
        assert data["comment"] == page["comment"], url
        assert data["comment"][1]["@id"].endswith(f"#comment-{reply.pk}")
        assert "parentItem" in data["comment"][1]
