"""Comments on the article page: one page at a time, at a flat cost."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import global_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import formats, timezone, translation
from django.utils.formats import date_format
from django.utils.html import normalize_newlines, urlize
from hypothesis import given
from hypothesis import strategies as st

from wagtail_dvt.comments import links
from wagtail_dvt.models import Comment, CommentStatus


def add_comments(page, count, status=CommentStatus.APPROVED):
    start = timezone.now() - timedelta(days=400)
    Comment.objects.bulk_create(
        Comment(
            page=page,
            author_name=f"Reader {number:04d}",
            body=f"Comment {number}.",
            posted_at=start + timedelta(minutes=number),
            status=status,
        )
        for number in range(count)
    )


@pytest.fixture
def page_of_comments(article):
    article.reader_comments.all().delete()
    add_comments(article, 12)
    add_comments(article, 3, status=CommentStatus.SPAM)
    return article


@override_settings(WAGTAIL_DVT={"COMMENTS_PER_PAGE": 5})
def test_first_page_shows_the_oldest_comments_and_links_on(client, page_of_comments):
    html = client.get(page_of_comments.url).content.decode()
    assert "Comments (12)" in html
    assert html.count('class="dvt-comment"') == 5
    assert "Reader 0000" in html and "Reader 0004" in html
    assert "Reader 0005" not in html
    assert 'href="?comments_page=2#comments" rel="next"' in html
    assert 'rel="prev"' not in html


@override_settings(WAGTAIL_DVT={"COMMENTS_PER_PAGE": 5})
def test_last_page_holds_the_rest(client, page_of_comments):
    html = client.get(page_of_comments.url, {"comments_page": 3}).content.decode()
    assert html.count('class="dvt-comment"') == 2
    assert "Reader 0010" in html and "Reader 0011" in html
    assert 'href="?comments_page=2#comments" rel="prev"' in html
    assert "Page 3 of 3" in html


@override_settings(WAGTAIL_DVT={"COMMENTS_PER_PAGE": 5})
@pytest.mark.parametrize("number", ["0", "99", "x", "-1"])
def test_out_of_range_pages_fall_back_without_error(client, page_of_comments, number):
    response = client.get(page_of_comments.url, {"comments_page": number})
    assert response.status_code == 200
    assert response.content.decode().count('class="dvt-comment"') in (2, 5)


def test_rendering_queries_do_not_grow_with_comments(client, article):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(article.url).status_code == 200
        return len(captured)

    few = queries()
    add_comments(article, 500)
    assert queries() == few


@override_settings(USE_THOUSAND_SEPARATOR=True, WAGTAIL_DVT={"COMMENTS_PER_PAGE": 1})
def test_ids_and_page_links_are_never_grouped_like_numbers(client, page_of_comments):
    newest = page_of_comments.approved_comments.last()
    Comment.objects.filter(pk=newest.pk).update(id=12345)
    response = client.get(page_of_comments.url, {"comments_page": 12})
    html = response.content.decode()
    assert 'id="comment-12345"' in html
    assert "?comments_page=11#comments" in html
    assert "12,345" not in html


def test_comment_times_follow_the_active_language(page_of_comments):
    comment = page_of_comments.approved_comments.first()
    comment.posted_at = datetime(2023, 6, 27, 21, 53, tzinfo=UTC)
    with translation.override("en"):
        assert comment.posted_at_display() == "June 27, 2023, 9:53 p.m."
    with translation.override("fr"):
        assert comment.posted_at_display() == "27 juin 2023 21:53"
    with translation.override("de"):
        assert comment.posted_at_display() == "27. Juni 2023 21:53"
    with translation.override("en"):  # looked up per language, not once
        assert comment.posted_at_display() == "June 27, 2023, 9:53 p.m."


@pytest.mark.parametrize(
    "language", ["en", "en-gb", "en-au", "fr", "de", "ja", "ar", "ru", "pt-br", "uk"]
)
def test_comment_times_read_as_djangos_date_filter(language):
    """The fast formatter writes what ``date:"DATETIME_FORMAT"`` would, in the
    current time zone: every month (their names differ by format letter), and
    midnight, noon and times on and off the hour ("9 a.m.", "9:30 a.m.")."""
    times = [(0, 0), (0, 5), (9, 0), (9, 30), (12, 0), (12, 1), (13, 0), (23, 59)]
    with translation.override(language):
        for zone in ("UTC", "Asia/Kolkata"):
            with timezone.override(zone):
                for month in range(1, 13):
                    for hour, minute in times:
                        local = datetime(2023, month, 7, hour, minute, 9)
                        posted_at = timezone.make_aware(local)
                        expected = date_format(local, "DATETIME_FORMAT")
                        shown = Comment(posted_at=posted_at).posted_at_display()
                        assert shown == expected, (zone, local)


def test_comment_times_follow_a_sites_own_formats():
    comment = Comment(posted_at=datetime(2023, 6, 27, 21, 53, tzinfo=UTC))
    with translation.override("en"):
        assert comment.posted_at_display() == "June 27, 2023, 9:53 p.m."
        # Django's test signals leave its format cache alone for this setting.
        try:
            with override_settings(FORMAT_MODULE_PATH=["dvt_formats"]):
                formats.reset_format_cache()
                assert comment.posted_at_display() == "27 June 2023 at 21:53"
        finally:
            formats.reset_format_cache()
        assert comment.posted_at_display() == "June 27, 2023, 9:53 p.m."


words = st.sampled_from(
    [
        "see",
        "http://example.org/a?b=1",
        "https://x.test",
        "www.example.com",
        "example.com",
        "mail@example.net",
        "<script>",
        "&amp;",
        "a.b",
        "end.",
        "\n",
        "Www.",
        "x.ORG",
        "@",
    ]
)


@given(st.lists(words, max_size=12).map(" ".join))
def test_body_html_equals_urlize_everywhere(text):
    html = links.urlize(normalize_newlines(text))
    html = html.replace('<a href="', '<a rel="nofollow ugc noopener" href="')
    assert Comment(body=text).body_html() == html.replace("\n", "<br>")


@pytest.mark.skipif(
    not hasattr(global_settings, "URLIZE_ASSUME_HTTPS"),
    reason="Django has no URLIZE_ASSUME_HTTPS before 6.0",
)
@given(st.lists(words, max_size=12).map(" ".join))
def test_comment_links_are_djangos_with_https_assumed(text):
    with override_settings(URLIZE_ASSUME_HTTPS=True):
        expected = urlize(text, nofollow=False, autoescape=True)
    assert links.urlize(text) == expected
