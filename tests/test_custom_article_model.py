"""A site's own article model (WAGTAIL_DVT_ARTICLEPAGE_MODEL), on any base page.

Most of the suite runs against whichever model the settings configure; ``make
test`` runs it twice, with the demo's settings and with
``tests.settings_swapped``. The tests here are about swapping itself: those
marked ``swapped`` only apply when the site swapped the model, those marked
``default`` only to the plugin's own ``ArticlePage``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from dvt_testing import REPO_ROOT
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import get_page_models

import wagtail_dvt.models
from wagtail_dvt.conf import get_setting
from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
from wagtail_dvt.models import Comment, get_article_model

ArticlePage = get_article_model()
SWAPPED = ArticlePage is not wagtail_dvt.models.ArticlePage

swapped = pytest.mark.skipif(not SWAPPED, reason="the site keeps the default model")
default = pytest.mark.skipif(SWAPPED, reason="the site swapped the article model")


def test_get_article_model_follows_the_setting():
    assert ArticlePage._meta.label == settings.WAGTAIL_DVT_ARTICLEPAGE_MODEL
    assert Comment._meta.get_field("page").related_model is ArticlePage
    assert issubclass(ArticlePage, wagtail_dvt.models.ArticlePageMixin)


@swapped
@pytest.mark.django_db
def test_a_swapped_model_with_an_extra_field_imports_and_serves_the_article(
    client, root_page
):
    result = import_document(BUNDLED_DOCUMENT)

    page = ArticlePage.objects.get(pk=result.page_id)
    assert type(page)._meta.label == "blog.ArticlePage"
    assert len(page.table_of_contents()) == 8
    assert page.reader_comments.count() == 19
    page.hero_caption = "A vein, seen from inside"
    page.save_revision().publish()
    page = ArticlePage.objects.get(pk=page.pk)
    assert page.hero_caption == "A vein, seen from inside"
    assert page.reader_comments.count() == 19

    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    shown = min(19, get_setting("COMMENTS_PER_PAGE"))
    assert html.count('<article class="dvt-comment" id="comment-') == shown
    assert f'id="comment-{page.approved_comments.first().pk}"' in html


@swapped
@pytest.mark.django_db
def test_the_default_model_is_no_page_type_once_swapped():
    default_model = wagtail_dvt.models.ArticlePage
    assert default_model._meta.swapped == "blog.ArticlePage"
    assert default_model not in get_page_models()
    assert not default_model.is_creatable
    assert ArticlePage in get_page_models()
    assert "wagtail_dvt_articlepage" not in connection.introspection.table_names()


@swapped
@pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="WAGTAIL_PAGE_MODEL is 8+")
def test_the_swapped_model_is_built_on_the_custom_base_page():
    base_page = apps.get_model(settings.WAGTAIL_PAGE_MODEL)
    assert base_page._meta.label == "basepage.SitePage"
    assert ArticlePage._meta.get_ancestor_link(base_page).name == "sitepage_ptr"


@default
def test_the_default_model_keeps_its_table():
    assert ArticlePage._meta.db_table == "wagtail_dvt_articlepage"
    assert ArticlePage in get_page_models()


def test_the_old_api_fields_module_still_works_with_a_warning():
    from wagtail_dvt import api_fields
    from wagtail_dvt.api import fields

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert fields.CommentCountField is api_fields.CommentCountField
    assert [w.category for w in caught] == [DeprecationWarning]


def _table_schema(table):
    with connection.cursor() as cursor:
        return [
            (column.name, column.type_code, column.null_ok)
            for column in connection.introspection.get_table_description(cursor, table)
        ]


@default
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_site_on_the_released_schema_upgrades_with_migrate_alone(client):
    """A database built by the 0.1.0 migrations, with an imported article and
    comments, is upgraded by ``migrate``: nothing lost, the schema as new."""
    tables = ["wagtail_dvt_articlepage", "wagtail_dvt_comment"]
    fresh = {table: _table_schema(table) for table in tables}

    # The article is written with today's code, then the plugin's tables are
    # taken back to the 0.1.0 schema: the later migrations only add tables and
    # columns, so its rows stay, as a 0.1.0 site's would be.
    result = import_document(BUNDLED_DOCUMENT)
    executor = MigrationExecutor(connection)
    executor.migrate([("wagtail_dvt", "0001_initial")])
    assert "wagtail_dvt_importedrevision" not in connection.introspection.table_names()

    executor = MigrationExecutor(connection)
    targets = [
        node for node in executor.loader.graph.leaf_nodes() if node[0] == "wagtail_dvt"
    ]
    executor.migrate(targets)

    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert {table: _table_schema(table) for table in tables} == fresh
    page = ArticlePage.objects.get(pk=result.page_id)
    assert page.reader_comments.count() == 19
    assert client.get(page.url).status_code == 200
    # The upgrade recognises the import's revision: a re-import keeps nothing.
    assert import_document(BUNDLED_DOCUMENT).action == "unchanged"


@pytest.mark.slow
@pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="WAGTAIL_PAGE_MODEL is 8+")
def test_a_custom_base_page_without_the_article_setting_fails_check_clearly(
    tmp_path,
):
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "custom_page_settings.py").write_text(
        textwrap.dedent(
            """\
            from example_site.settings.test import *  # noqa: F403
            from example_site.settings.test import INSTALLED_APPS

            WAGTAIL_PAGE_MODEL = "basepage.SitePage"
            INSTALLED_APPS = [
                "tests.swapped.basepage",
                *(app for app in INSTALLED_APPS if app != "example_site.home"),
            ]
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "custom_page_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(settings_dir), str(REPO_ROOT)])
    check = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(REPO_ROOT / "example_site" / "manage.py"), "check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert check.returncode != 0
    assert "wagtail_dvt.E001" in check.stderr
    assert "WAGTAIL_PAGE_MODEL is 'basepage.SitePage'" in check.stderr
    assert "from tests.swapped.basepage.models import SitePage" in check.stderr
    assert "class ArticlePage(ArticlePageMixin, SitePage):" in check.stderr
    assert 'WAGTAIL_DVT_ARTICLEPAGE_MODEL = "blog.ArticlePage"' in check.stderr
