from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("peer_site", "0001_xtd_article_page"),
    ]

    operations = [
        migrations.AddField(
            model_name="xtdarticlepage",
            name="threads_per_page",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
