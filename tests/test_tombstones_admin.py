"""Moderators list tombstones of deleted comments and purge them; nobody else
sees the listing or purges anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from wagtail_dvt.tombstones import DeletedComment

INDEX = "wagtail_dvt_tombstones:index"
PURGE = "wagtail_dvt_tombstones:purge"
USERS = ("anonymous", "bare_admin", "editor", "moderator", "superuser")
MODERATORS = ("moderator", "superuser")


@pytest.fixture
def users(db, django_user_model):
    def with_permissions(name, *codenames):
        group = Group.objects.create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(
                    codename=codename, content_type__app_label=app_label
                )
            )
        return group

    groups = {
        "bare_admin": with_permissions("Bare", ("wagtailadmin", "access_admin")),
        "editor": Group.objects.get(name="Editors"),
        "moderator": with_permissions(
            "Comment moderators",
            ("wagtailadmin", "access_admin"),
            ("wagtail_dvt", "moderate_comment"),
        ),
    }
    made = {"anonymous": None}
    for name, group in groups.items():
        made[name] = django_user_model.objects.create_user(name, f"{name}@e.com")
        made[name].groups.add(group)
    made["superuser"] = django_user_model.objects.create_superuser("su", "su@e.com")
    return made


@pytest.fixture
def tombstones(article):
    comments = list(article.reader_comments.all()[:3])
    for comment in comments:
        comment.delete()
    old = DeletedComment.objects.order_by("pk")[0]
    DeletedComment.objects.filter(pk=old.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=100)
    )
    return list(DeletedComment.objects.order_by("pk"))


def login(client, users, user):
    if users[user] is not None:
        client.force_login(users[user])


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_see_the_listing(client, users, tombstones, article, user):
    login(client, users, user)
    response = client.get(reverse(INDEX))
    if user in MODERATORS:
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count(article.title) >= len(tombstones)
        assert "Naomi" not in html
    elif user == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    else:
        assert response.status_code in (302, 403)
        assert article.title not in response.content.decode()


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_purge(client, users, tombstones, user):
    login(client, users, user)
    doomed = tombstones[1]
    response = client.post(reverse(PURGE), {"id": [doomed.pk]})
    left = set(DeletedComment.objects.values_list("pk", flat=True))
    if user in MODERATORS:
        assert response.status_code == 302
        assert left == {t.pk for t in tombstones} - {doomed.pk}
    else:
        assert response.status_code in (302, 403)
        assert left == {t.pk for t in tombstones}


def test_purging_the_expired_follows_the_retention_setting(client, users, tombstones):
    client.force_login(users["moderator"])
    with override_settings(WAGTAIL_DVT={"TOMBSTONE_RETENTION_DAYS": None}):
        client.post(reverse(PURGE), {"expired": "1"})
    assert DeletedComment.objects.count() == 3
    with override_settings(WAGTAIL_DVT={"TOMBSTONE_RETENTION_DAYS": 30}):
        client.post(reverse(PURGE), {"expired": "1"})
    assert set(DeletedComment.objects.values_list("pk", flat=True)) == {
        t.pk for t in tombstones[1:]
    }


def test_the_reports_menu_lists_tombstones_for_moderators_only(client, users):
    url = reverse(INDEX)
    client.force_login(users["moderator"])
    assert url in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(users["editor"])
    assert url not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_each_row_has_a_purge_button_for_its_tombstone(client, users, tombstones):
    client.force_login(users["moderator"])
    html = client.get(reverse(INDEX)).content.decode()
    for tombstone in tombstones:
        assert f'name="id" value="{tombstone.pk}"' in html
