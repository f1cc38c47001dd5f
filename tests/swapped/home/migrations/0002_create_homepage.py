import uuid

from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's "Welcome" page with the site's HomePage and Site.

    The demo's own migration, rebased on the custom base page model as
    Wagtail's guide "Defining custom base page models" shows.
    """
    ContentType = apps.get_model("contenttypes.ContentType")
    SitePage = apps.get_model("basepage.SitePage")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("home.HomePage")

    page_content_type = ContentType.objects.get(model="sitepage", app_label="basepage")
    SitePage.objects.filter(
        content_type=page_content_type, slug="home", depth=2
    ).delete()
    root = SitePage.objects.get(depth=1)
    homepage_content_type, __ = ContentType.objects.get_or_create(
        model="homepage", app_label="home"
    )
    homepage = HomePage.objects.create(
        title="wagtail-dvt demo",
        draft_title="wagtail-dvt demo",
        slug="home",
        content_type=homepage_content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=root.locale_id,
        translation_key=uuid.uuid4(),
    )
    Site.objects.create(hostname="localhost", root_page=homepage, is_default_site=True)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("basepage", "0003_finalize_page_model"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [
        migrations.RunPython(create_homepage, migrations.RunPython.noop),
    ]
