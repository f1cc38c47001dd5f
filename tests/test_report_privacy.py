"""Reports in a person's data request and in retention: export lists the
reports a signed-in user made, erasure unlinks them and keeps them, and
``IP_RETENTION_DAYS`` clears their addresses. Reports are made through the
article page's form, as readers make them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from test_comment_reports import comment, report_on_page
from test_moderation_admin import admin_user, make_article

from wagtail_dvt.comments.reports import CommentReport
from wagtail_dvt.models import CommentStatus
from wagtail_dvt.privacy import erase_personal_data, prune_client_data

EMAIL = "rita@example.org"


@pytest.fixture(autouse=True)
def report_settings(settings):
    settings.WAGTAIL_DVT = {"NOTIFY_MODERATORS": False, "FLOOD_INTERVAL": 0}


@pytest.fixture
def reports(root_page, django_user_model):
    """Rita's two reports, signed in, and an anonymous reader's one."""
    article = make_article(root_page, "Clots explained")
    first, second = comment(article, name="Ann"), comment(article, name="Bob")
    rita = django_user_model.objects.create_user("rita", "Rita@Example.org")
    signed_in = Client()
    signed_in.force_login(rita)
    report_on_page(signed_in, article, first.pk, reason="spam", ip="192.0.2.7")
    report_on_page(signed_in, article, second.pk, reason="abuse", ip="192.0.2.7")
    report_on_page(Client(), article, first.pk, reason="other", ip="192.0.2.8")
    assert CommentReport.objects.count() == 3
    return rita, first, second


def exported(email):
    out = io.StringIO()
    call_command("comment_personal_data", "export", email, stdout=out)
    return json.loads(out.getvalue())


def test_export_lists_the_reports_of_the_user_with_the_address(reports):
    _rita, first, second = reports

    data = exported(EMAIL.upper())

    assert [
        (row["comment"], row["article"], row["reason"], row["ip_address"])
        for row in data["reports"]
    ] == [
        (first.pk, "Clots explained", "spam", "192.0.2.7"),
        (second.pk, "Clots explained", "abuse", "192.0.2.7"),
    ]
    assert exported("nobody@example.org")["reports"] == []


def test_erasure_unlinks_the_reports_and_keeps_them(reports):
    rita, first, _second = reports

    result = erase_personal_data(EMAIL)

    assert result.counts["reports"] == 2
    rows = sorted(
        CommentReport.objects.values_list(
            "comment_id", "reporter_id", "client_key", "ip_address", "reason"
        ),
        key=lambda row: row[4],
    )
    assert [row[4] for row in rows] == ["abuse", "other", "spam"]
    abuse, other, spam = rows
    assert abuse[1:4] == spam[1:4] == (None, None, None)
    assert other[3] == "192.0.2.8"  # Someone else's report is untouched.
    assert exported(EMAIL)["reports"] == []
    # Rita is unlinked: her erased reports no longer stop a new one from her.
    assert CommentReport.objects.filter(reporter=rita).count() == 0


def test_moderators_see_and_erase_reports_in_the_admin(
    client, reports, django_user_model
):
    client.force_login(admin_user(django_user_model, "moderator", moderate=True))

    found = client.post(reverse("wagtail_dvt_personal_data:index"), {"email": EMAIL})
    assert "Reports of comments (2)" in found.content.decode()

    erased = client.post(
        reverse("wagtail_dvt_personal_data:erase"), {"email": EMAIL, "confirm": "1"}
    )

    assert erased.status_code == 302
    assert not CommentReport.objects.filter(reporter__isnull=False).exists()
    assert CommentReport.objects.count() == 3


def test_retention_clears_the_addresses_of_old_reports(reports):
    now = timezone.now()
    CommentReport.objects.filter(reason="spam").update(
        created_at=now - dt.timedelta(days=31)
    )

    result = prune_client_data(now=now)

    assert result.rows_cleared >= 1
    addresses = dict(CommentReport.objects.values_list("reason", "ip_address"))
    assert addresses == {"spam": None, "abuse": "192.0.2.7", "other": "192.0.2.8"}
    # The report itself, and who made it, stay.
    spam = CommentReport.objects.get(reason="spam")
    assert spam.reporter is not None and spam.client_key
    assert spam.comment.status == CommentStatus.APPROVED


def test_the_client_key_does_not_hold_the_address(reports):
    anonymous = CommentReport.objects.get(reporter__isnull=True)

    assert anonymous.client_key.startswith("address:")
    assert "192.0.2.8" not in anonymous.client_key
