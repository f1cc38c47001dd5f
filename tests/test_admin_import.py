"""The admin's "Import articles", by the POSTs each kind of user can send.

Every rule is checked where it is enforced, on the server: the upload, the
preview that writes nothing, and the confirm that checks every choice again.
The database is read afterwards, never the rendered form alone.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from dvt_testing import (
    BUNDLED_SLUG,
    BUNDLED_TITLE,
    REPO_ROOT,
    group_with,
    line_of,
    retitled,
)
from wagtail.models import GroupPagePermission, PageLogEntry

from wagtail_dvt.importer.jobs import ImportJob
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)

ArticlePage = get_article_model()
FIXTURES = REPO_ROOT / "tests" / "fixtures"
INDEX = reverse("wagtail_dvt_import:index")


def page_permission(action):
    """Wagtail's page permission, of the site's base page model."""
    Page = get_base_page_model()
    return Permission.objects.get(
        content_type__app_label=Page._meta.app_label,
        codename=f"{action}_{Page._meta.model_name}",
    )


@pytest.fixture
def users(db, django_user_model):
    """One user of each kind, by name."""
    groups = {
        "bare_admin": [group_with("Bare admins", ("wagtailadmin", "access_admin"))],
        "editor": [Group.objects.get(name="Editors")],
        "moderator": [
            group_with(
                "Comment moderators",
                ("wagtailadmin", "access_admin"),
                ("wagtail_dvt", "moderate_comment"),
            )
        ],
        # Wagtail's "Moderators" publish pages but may not moderate comments.
        "publisher": [Group.objects.get(name="Moderators")],
    }
    users = {}
    for name, user_groups in groups.items():
        user = django_user_model.objects.create_user(name, f"{name}@example.com")
        user.groups.add(*user_groups)
        users[name] = user
    users["superuser"] = django_user_model.objects.create_superuser(
        "superuser", "superuser@example.com"
    )
    return users


def upload(name, content):
    data = content.encode() if isinstance(content, str) else content
    file = io.BytesIO(data)
    file.name = name
    return file


def zipped(name, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return upload(name, buffer.getvalue())


def post_upload(client, root_page, *files, **options):
    return client.post(
        INDEX, {"parent": root_page.pk, "documents": list(files), **options}
    )


def confirm(client, job):
    return client.post(reverse("wagtail_dvt_import:confirm", args=[job.pk]))


def only_job():
    (job,) = ImportJob.objects.all()
    return job


@pytest.mark.parametrize(
    ("user", "redirect_to"),
    [(None, "/admin/login/"), ("bare_admin", "/admin/"), ("moderator", "/admin/")],
)
def test_users_who_may_add_no_page_can_neither_see_nor_upload(
    client, users, root_page, bundled_text, user, redirect_to
):
    # Wagtail's admin answers a refused permission with a redirect to the
    # dashboard and a message.
    if user:
        client.force_login(users[user])
    assert client.get(INDEX)["Location"].split("?")[0] == redirect_to
    response = post_upload(client, root_page, upload("a.txt", bundled_text))
    assert response.status_code == 302
    assert response["Location"].split("?")[0] == redirect_to
    assert not ImportJob.objects.exists()
    assert not ArticlePage.objects.exists()


def test_menu_item_is_shown_to_users_who_may_add_pages(client, users):
    for name, shown in [("editor", True), ("bare_admin", False), ("moderator", False)]:
        client.force_login(users[name])
        html = client.get(reverse("wagtailadmin_home")).content.decode()
        assert (INDEX in html) is shown, name


def test_preview_writes_nothing_and_reports_each_document(
    client, users, root_page, bundled_text, bundled_document, db_counts
):
    client.force_login(users["superuser"])
    before = db_counts()
    broken = (FIXTURES / "malformed_comment_date.txt").read_bytes()
    response = post_upload(
        client,
        root_page,
        upload("good.txt", bundled_text),
        upload("broken.txt", broken),
    )
    job = only_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_dvt_import:job", args=[job.pk])
    assert db_counts() == before
    good, bad = job.preview
    sections = len(bundled_document.sections)
    assert (good["action"], good["dry_run"], good["sections"]) == (
        "created",
        True,
        sections,
    )
    line = line_of(broken.decode(), "February 30")
    assert bad["error"].startswith(f"broken.txt:{line}: ")
    html = client.get(response["Location"]).content.decode()
    assert "would be created" in html
    assert bad["error"] in html


def test_editor_imports_drafts_with_pending_comments_whatever_is_posted(
    client, users, root_page, bundled_text
):
    editor = users["editor"]
    client.force_login(editor)
    post_upload(
        client,
        root_page,
        upload("a.txt", bundled_text),
        draft="",  # an unchecked box: publish
        overwrite="on",
        comment_status=CommentStatus.APPROVED,
    )
    job = only_job()
    assert job.options == {
        "locale": "",
        "publish": False,
        "overwrite": False,
        "comment_status": CommentStatus.PENDING,
    }
    assert confirm(client, job).status_code == 302
    page = ArticlePage.objects.get(slug=BUNDLED_SLUG)
    assert not page.live
    assert page.latest_revision is not None
    statuses = set(Comment.objects.filter(page=page).values_list("status", flat=True))
    assert statuses == {CommentStatus.PENDING}
    actions = set(
        PageLogEntry.objects.filter(page=page, user=editor).values_list(
            "action", flat=True
        )
    )
    assert actions == {"wagtail.create"}


def test_publisher_who_may_not_moderate_imports_pending_comments(
    client, users, root_page, bundled_text
):
    client.force_login(users["publisher"])
    post_upload(
        client,
        root_page,
        upload("a.txt", bundled_text),
        comment_status=CommentStatus.APPROVED,
    )
    confirm(client, only_job())
    page = ArticlePage.objects.get(slug=BUNDLED_SLUG)
    assert page.live
    assert (
        not Comment.objects.filter(page=page)
        .exclude(status=CommentStatus.PENDING)
        .exists()
    )


def test_superuser_publishes_with_approved_comments_and_audit_log(
    client, users, root_page, bundled_text
):
    superuser = users["superuser"]
    client.force_login(superuser)
    post_upload(
        client,
        root_page,
        upload("a.txt", bundled_text),
        comment_status=CommentStatus.APPROVED,
    )
    response = confirm(client, only_job())
    page = ArticlePage.objects.get(slug=BUNDLED_SLUG)
    assert page.live and page.title == BUNDLED_TITLE
    assert Comment.objects.filter(page=page, status=CommentStatus.APPROVED).exists()
    actions = set(
        PageLogEntry.objects.filter(page=page, user=superuser).values_list(
            "action", flat=True
        )
    )
    assert actions == {"wagtail.create", "wagtail.publish"}
    job = only_job()
    assert job.status == ImportJob.Status.DONE
    assert job.documents == []  # dropped once imported
    html = client.get(response["Location"]).content.decode()
    assert reverse("wagtailadmin_pages:edit", args=[page.pk]) in html


def test_confirm_checks_the_choices_again(client, users, root_page, bundled_text):
    user = users["superuser"]
    client.force_login(user)
    post_upload(
        client,
        root_page,
        upload("a.txt", bundled_text),
        comment_status=CommentStatus.APPROVED,
    )
    # Demoted to an editor between preview and confirm.
    user.is_superuser = False
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    confirm(client, only_job())
    assert not ArticlePage.objects.exists()
    assert only_job().status == ImportJob.Status.PREVIEWED


def test_nobody_confirms_anothers_upload(client, users, root_page, bundled_text):
    client.force_login(users["editor"])
    post_upload(client, root_page, upload("a.txt", bundled_text))
    job = only_job()
    client.force_login(users["superuser"])
    assert confirm(client, job).status_code == 404
    url = reverse("wagtail_dvt_import:job", args=[job.pk])
    assert client.get(url).status_code == 404
    assert not ArticlePage.objects.exists()
    assert only_job().status == ImportJob.Status.PREVIEWED


def test_parent_where_the_user_may_not_add_is_refused(
    client, users, root_page, bundled_text
):
    # A publisher of one subtree only may not add under the root.
    editor = users["editor"]
    editor.groups.clear()
    section = group_with("Section editors", ("wagtailadmin", "access_admin"))
    editor.groups.add(section)
    child = root_page.add_child(
        instance=root_page.specific_class(title="Section", slug="section")
    )
    GroupPagePermission.objects.create(
        group=section,
        page=child,
        permission=page_permission("add"),
    )
    client.force_login(editor)
    response = post_upload(client, root_page, upload("a.txt", bundled_text))
    assert response.status_code == 200
    assert "you may not add pages under" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_overwrite_needs_the_publish_permission_on_the_page(
    client, users, root_page, bundled_text
):
    """A user who may publish elsewhere may not overwrite a page here."""
    superuser = users["superuser"]
    client.force_login(superuser)
    post_upload(client, root_page, upload("a.txt", bundled_text))
    confirm(client, only_job())
    page = ArticlePage.objects.get(slug=BUNDLED_SLUG)
    page.title = "Edited in Wagtail"
    page.save_revision(user=superuser).publish()
    ImportJob.objects.all().delete()

    editor = users["editor"]
    elsewhere = root_page.add_child(
        instance=root_page.specific_class(title="Elsewhere", slug="elsewhere")
    )
    GroupPagePermission.objects.create(
        group=group_with("Elsewhere publishers"),
        page=elsewhere,
        permission=page_permission("publish"),
    )
    editor.groups.add(Group.objects.get(name="Elsewhere publishers"))
    client.force_login(editor)
    post_upload(
        client, root_page, upload("a.txt", bundled_text), draft="on", overwrite="on"
    )
    job = only_job()
    assert job.options["overwrite"] is True
    (outcome,) = job.preview
    assert "needs the permission to publish it" in outcome["error"]
    confirm(client, job)
    page.refresh_from_db()
    assert page.get_latest_revision_as_object().title == "Edited in Wagtail"


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"../evil.txt": "x"}, "a path outside the archive"),
        ({"inner.zip": "PK"}, "an archive inside the archive"),
        ({"picture.png": "x"}, "not a .txt document"),
        ({"bomb.txt": "a" * 200_000}, "compressed more than 100:1"),
    ],
)
def test_refused_archive_says_why_by_name(client, users, root_page, members, reason):
    client.force_login(users["editor"])
    response = post_upload(client, root_page, zipped("batch.zip", members))
    html = response.content.decode()
    assert response.status_code == 200
    (member,) = members
    assert f"batch.zip/{member}: {reason}" in html.replace("&#x27;", "'")
    assert not ImportJob.objects.exists()


def test_caps_on_files_and_total_size(client, users, root_page, settings, bundled_text):
    settings.WAGTAIL_DVT = {"IMPORT_MAX_FILES": 2}
    client.force_login(users["editor"])
    files = [upload(f"{n}.txt", bundled_text) for n in range(3)]
    response = post_upload(client, root_page, *files)
    assert "2.txt: more than 2 documents in one upload" in response.content.decode()
    settings.WAGTAIL_DVT = {"IMPORT_MAX_TOTAL_BYTES": len(bundled_text.encode()) + 10}
    response = post_upload(
        client, root_page, upload("1.txt", bundled_text), upload("2.txt", "x" * 20)
    )
    assert "2.txt: the upload exceeds" in response.content.decode()
    assert not ImportJob.objects.exists()


def many_documents(bundled_text, count):
    return {f"doc{n}.txt": retitled(bundled_text, f"Article {n}") for n in range(count)}


# Real commits, so that on_commit runs; the rollback keeps Wagtail's groups.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_more_than_five_documents_run_as_a_task(
    client, users, root_page, bundled_text, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    from django_tasks import default_task_backend

    from wagtail_dvt.tasks import run_import_job

    client.force_login(users["editor"])
    post_upload(client, root_page, zipped("six.zip", many_documents(bundled_text, 6)))
    job = only_job()
    response = confirm(client, job)
    # Enqueued on commit, not run: the page shows the progress.
    (result,) = default_task_backend.results
    assert result.args == [str(job.pk)]
    assert not ArticlePage.objects.exists()
    html = client.get(response["Location"]).content.decode()
    assert "0 of 6 documents imported" in html

    run_import_job.call(str(job.pk))  # what a worker does
    run_import_job.call(str(job.pk))  # a retry imports nothing twice
    assert ArticlePage.objects.count() == 6
    assert not ArticlePage.objects.filter(live=True).exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert [outcome["action"] for outcome in job.results] == ["created"] * 6
    html = client.get(response["Location"]).content.decode()
    assert "Article 5" in html


# Real commits, so that on_commit runs; the rollback keeps Wagtail's groups.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_default_backend_runs_the_task_once_the_confirm_commits(
    client, users, root_page, bundled_text
):
    client.force_login(users["superuser"])
    post_upload(client, root_page, zipped("six.zip", many_documents(bundled_text, 6)))
    confirm(client, only_job())
    assert only_job().status == ImportJob.Status.DONE
    assert ArticlePage.objects.filter(live=True).count() == 6


def test_reimport_of_a_changed_document_is_logged_under_the_user(
    client, users, root_page, bundled_text
):
    superuser = users["superuser"]
    client.force_login(superuser)
    post_upload(client, root_page, upload("a.txt", bundled_text))
    confirm(client, only_job())
    changed = bundled_text.replace("Conclusion", "In conclusion", 1)
    post_upload(client, root_page, upload("a.txt", changed))
    job = ImportJob.objects.get(status=ImportJob.Status.PREVIEWED)
    confirm(client, job)
    page = ArticlePage.objects.get(slug=BUNDLED_SLUG)
    job.refresh_from_db()
    assert [outcome["action"] for outcome in job.results] == ["updated"]
    edits = PageLogEntry.objects.filter(page=page, action="wagtail.edit")
    assert list(edits.values_list("user", flat=True)) == [superuser.pk]
    assert page.live_revision.user == superuser


def test_recent_imports_lead_back_to_each_job(client, users, root_page, bundled_text):
    client.force_login(users["editor"])
    post_upload(client, root_page, upload("a.txt", bundled_text))
    job = only_job()
    html = client.get(INDEX).content.decode()
    assert reverse("wagtail_dvt_import:job", args=[job.pk]) in html
    client.force_login(users["superuser"])
    html = client.get(INDEX).content.decode()
    assert reverse("wagtail_dvt_import:job", args=[job.pk]) not in html


def test_a_retried_task_resumes_after_the_documents_done(
    client, users, root_page, bundled_text
):
    from wagtail_dvt.importer.job_runner import run_job

    client.force_login(users["superuser"])
    post_upload(client, root_page, zipped("six.zip", many_documents(bundled_text, 6)))
    job = only_job()
    # A worker killed after the first batch: one result recorded, still running.
    job.status = ImportJob.Status.RUNNING
    job.results = [{"source": "six.zip/doc0.txt", "error": "not retried"}]
    job.save()
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.results[0]["error"] == "not retried"
    assert [outcome["action"] for outcome in job.results[1:]] == ["created"] * 5
    assert ArticlePage.objects.count() == 5
