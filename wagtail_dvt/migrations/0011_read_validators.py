from django.db import migrations, models
from django.utils import timezone


def record_existing_comments(apps, schema_editor):
    """Mark every article with comments as changed now, and any article.

    No earlier time is known for sure (a deletion leaves no trace), and no
    client holds a ``Last-Modified`` from before: now is the safe start.
    """
    Comment = apps.get_model("wagtail_dvt", "Comment")
    ArticleChange = apps.get_model("wagtail_dvt", "ArticleChange")
    db = schema_editor.connection.alias
    now = timezone.now()
    ids = sorted(
        set(Comment.objects.using(db).values_list("page_id", flat=True).distinct())
    )
    ArticleChange.objects.using(db).bulk_create(
        [ArticleChange(article_id=pk, changed_at=now) for pk in [0, *ids]],
        batch_size=500,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_dvt", "0010_reply_notifications"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "article_id",
                    models.BigIntegerField(unique=True, verbose_name="article id"),
                ),
                ("changed_at", models.DateTimeField(verbose_name="changed at")),
            ],
            options={
                "verbose_name": "article change",
                "verbose_name_plural": "article changes",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(record_existing_comments, migrations.RunPython.noop),
    ]
