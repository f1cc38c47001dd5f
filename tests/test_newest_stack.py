"""The plugin on the newest stack: no deprecation warnings from its own code,
and settings shared across versions.

pyproject.toml turns warnings raised from ``wagtail_dvt`` modules into errors
for the whole suite; Django's ``urlize`` warns from its own module instead,
so links are checked here by recording every warning.
"""

from __future__ import annotations

import warnings

import pytest
from django.core import checks
from django.core.management import call_command
from dvt_testing import make_article

from wagtail_dvt.comments.admission import count_links
from wagtail_dvt.comments.notifications import send_due_notifications
from wagtail_dvt.conf import get_setting
from wagtail_dvt.models import Comment

TEXT_WITH_BARE_DOMAINS = "See www.example.com and example.org, or https://a.example/"


def deprecations(record):
    return [
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
        for w in record
        if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)
    ]


def test_links_in_comments_raise_no_deprecation_warning(root_page):
    comment = Comment(page=make_article(root_page), body=TEXT_WITH_BARE_DOMAINS)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        html = comment.body_html()
        links = count_links(TEXT_WITH_BARE_DOMAINS)
    assert deprecations(record) == []
    assert links == 3
    assert 'href="https://www.example.com"' in html
    assert 'href="https://example.org"' in html


def test_emailing_moderators_raises_no_deprecation_warning(
    root_page, django_user_model, mailoutbox
):
    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    Comment.objects.create(
        page=make_article(root_page), author_name="Ann", body="Hi", status="pending"
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = send_due_notifications()
    assert result.emails == 1
    assert [w for w in deprecations(record) if "wagtail_dvt" in w] == []


def test_the_classifiers_list_django_6_1():
    from dvt_testing import REPO_ROOT

    assert '"Framework :: Django :: 6.1"' in (REPO_ROOT / "pyproject.toml").read_text()


# -- settings shared across versions ---------------------------------------------


# `check` runs the model checks, and a JSONField's asks SQLite whether it
# supports JSON: a query, unless an earlier test in the process asked first.
@pytest.mark.django_db
def test_unknown_settings_are_ignored_with_a_warning(settings):
    settings.WAGTAIL_DVT = {"COMMENTS_PER_PAGE": 7, "FUTURE_KNOB": 1, "OLD_KNOB": 2}

    messages = checks.run_checks(tags=[checks.Tags.compatibility])
    ours = [m for m in messages if m.id and m.id.startswith("wagtail_dvt")]

    assert [(m.id, m.level) for m in ours] == [("wagtail_dvt.W001", checks.WARNING)]
    assert "FUTURE_KNOB, OLD_KNOB" in ours[0].msg
    assert get_setting("COMMENTS_PER_PAGE") == 7
    call_command("check", fail_level="ERROR")  # a warning, never an error


def test_known_settings_raise_no_check_message(settings):
    settings.WAGTAIL_DVT = {"COMMENTS_PER_PAGE": 7, "NOTIFY_INTERVAL": 60}
    messages = checks.run_checks(tags=[checks.Tags.compatibility])
    assert not [m for m in messages if m.id and m.id.startswith("wagtail_dvt")]


def test_code_asking_for_an_unknown_setting_is_a_bug():
    with pytest.raises(KeyError):
        get_setting("NO_SUCH_SETTING")
