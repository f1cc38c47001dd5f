"""The comment form's privacy notice and its "remember me" checkbox.

The checkbox is read by comment-form.js in the browser only: whether it is
ticked or not, the server sets no cookie and stores nothing more.
"""

from __future__ import annotations

import pytest
from dvt_testing import make_article
from test_comments_form import post

from wagtail_dvt.models import Comment

NOTICE = "Only moderators see your email address, IP address and browser."


@pytest.fixture
def article(root_page):
    return make_article(root_page)


def form_html(client, article):
    html = client.get(article.url).content.decode()
    return html[html.index('id="comment-form"') :]


def test_the_form_shows_the_notice_and_an_unticked_checkbox(client, article):
    html = form_html(client, article)

    assert NOTICE in html
    assert "Privacy policy" not in html
    checkbox = html[html.index('name="remember"') - 200 : html.index('name="remember"')]
    assert 'type="checkbox"' in checkbox
    assert "checked" not in html[html.index('name="remember"') :].split(">")[0]
    assert "Save my name and email in this browser" in html
    assert "wagtail_dvt/js/comment-form.js" in html


def test_the_notice_links_to_the_privacy_policy_url(client, article, settings):
    settings.WAGTAIL_DVT = {"PRIVACY_POLICY_URL": "https://example.org/privacy/"}
    assert '<a href="https://example.org/privacy/">Privacy policy</a>' in form_html(
        client, article
    )


def test_the_notice_links_to_a_page_given_by_id(client, article, root_page, settings):
    policy = make_article(root_page, title="Privacy")
    settings.WAGTAIL_DVT = {"PRIVACY_POLICY_URL": policy.pk}
    assert '/privacy/">Privacy policy</a>' in form_html(client, article)

    policy.unpublish()
    assert "Privacy policy" not in form_html(client, article)


@pytest.mark.parametrize("remember", ["on", ""])
def test_posting_stores_nothing_in_the_browser(client, article, remember):
    response = post(client, article, remember=remember)

    assert response.status_code == 303
    assert set(response.cookies) <= {"csrftoken"}
    assert all(
        "Ann" not in morsel.value and "ann@example" not in morsel.value
        for morsel in response.cookies.values()
    )
    assert Comment.objects.get().author_name == "Ann Reader"
